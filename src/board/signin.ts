// The sign-in page: one field, the API token, posted to /signin (src/api/routes/signin.ts checks it).
// Server-rendered like the rest of the board; works without JavaScript.

import { SESSION_WORDS } from '../i18n/session.ts';
import { esc, layout, type PageContext } from './render.ts';

/** `next`: the local page to return to after signing in; `error`: why the last attempt failed. */
export function renderSignin(ctx: PageContext, opts: { next: string; error?: string }): string {
  const s = SESSION_WORDS[ctx.w.lang];
  const error = opts.error ? `<p class="error" role="alert" id="signin-error">${esc(opts.error)}</p>\n` : '';
  const described = opts.error ? 'token-help signin-error' : 'token-help';
  return layout(
    ctx,
    `${s.signInTitle} — reachwatch`,
    `<h1>${esc(s.signInTitle)}</h1>
<p>${esc(s.signInIntro)}</p>
${error}<form method="post" action="/signin" class="signin">
<input type="hidden" name="next" value="${esc(opts.next)}">
<p><label for="token">${esc(s.token)}</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" required spellcheck="false" aria-describedby="${described}" size="40"></p>
<p id="token-help" class="fine">${esc(s.tokenHelp)}</p>
<p><button type="submit">${esc(s.submit)}</button></p>
</form>`,
  );
}
