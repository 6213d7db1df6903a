// Board sign-in over real HTTP (the real app on a socket, a real SQLite file, a clip kept on disk from
// audio espeak-ng spoke): an auditor signs in with a token and the center page plays the probe's clip,
// whose bytes hash as the evidence says; anonymous visitors, signed-out, revoked and expired sessions
// get the public page and a 401 for the clip; sign-out needs the session's CSRF token and this site's
// origin; wrong tokens are counted and then refused for a while; no token ever reaches the log.

import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClipRef } from '../../src/audio/clips.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { buildTestApp, type TestApp } from '../helpers/api-app.ts';
import { centerWithClip } from '../helpers/center-with-clip.ts';
import { tempDir } from '../helpers/tmp.ts';

let t: TestApp;
let base: string;
let probeId: number;
let alteredProbeId: number;
let clip: ClipRef;
let tokens: Tokens;
const T = {} as Record<'operator' | 'auditor' | 'admin', { id: string; secret: string }>;
const logLines: string[] = [];
let cleanupAudio: () => void;

beforeAll(async () => {
  const sink = new Writable({ write: (chunk, _enc, done) => { logLines.push(String(chunk)); done(); } });
  t = await buildTestApp({ audio: true, logger: pino({ level: 'info' }, sink) });
  const audio = tempDir('reachwatch-signin-audio-');
  cleanupAudio = audio.remove;
  ({ probeId, clip, alteredProbeId } = await centerWithClip(t, audio.dir));
  tokens = new Tokens(t.db);
  for (const role of ['operator', 'auditor', 'admin'] as const) {
    const c = tokens.create({ name: `a.${role}`, role, createdBy: 'test' });
    T[role] = { id: c.token.id, secret: c.secret };
  }
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await t?.close();
  cleanupAudio?.();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function signIn(secret: string, opts: { origin?: string | null; next?: string } = {}): Promise<Response> {
  return fetch(`${base}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en', ...(opts.origin === null ? {} : { origin: opts.origin ?? base }) },
    body: form({ token: secret, next: opts.next ?? '/centers/alpha' }),
  });
}

/** Signs in and returns the cookie to send back. */
async function cookieFor(secret: string): Promise<string> {
  const res = await signIn(secret);
  expect(res.status).toBe(303);
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0] as string;
}

const page = (cookie?: string) => fetch(`${base}/centers/alpha?lang=en`, { headers: cookie ? { cookie } : {} });
const clipOf = (cookie?: string, id = probeId, n = '0') => fetch(`${base}/clips/${id}/${n}`, { headers: cookie ? { cookie } : {} });
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

describe('board sign-in', () => {
  test('the sign-in page is a form posting the token, in each language, never cached', async () => {
    for (const [lang, title] of [['ru', 'Вход для операторов и аудиторов'], ['kk', 'Операторлар мен аудиторларға арналған кіру'], ['en', 'Sign in for operators and auditors']] as const) {
      const res = await fetch(`${base}/signin?lang=${lang}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      const html = await res.text();
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(`<h1>${title}</h1>`);
      expect(html).toMatch(/<form method="post" action="\/signin"/);
      expect(html).toMatch(/<input id="token" name="token" type="password"/);
    }
  });

  test('an auditor signs in: an HttpOnly, SameSite=Strict cookie, back to the page asked for', async () => {
    const res = await signIn(T.auditor.secret);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/centers/alpha');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^rw_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    // Plain HTTP on loopback: not Secure (a browser would not send it back).
    expect(set).not.toMatch(/Secure/);
  });

  test('signed in, the center page shows the player with the clip\'s length and hash, privately; the clip plays and hashes as the evidence says', async () => {
    const cookie = await cookieFor(T.auditor.secret);
    const res = await page(cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const html = await res.text();
    expect(html).toContain(`<audio controls preload="none" src="/clips/${probeId}/0"`);
    expect(html).toContain(`<code title="SHA-256">${clip.sha256.slice(0, 12)}</code>`);
    expect(html).toContain(`before answer (early media), ${clip.seconds.toLocaleString('en')} s`);
    expect(html).toContain('Signed in as a.auditor (auditor)');
    expect(html).toMatch(/<form class="session" method="post" action="\/signout">/);
    expect(html).not.toContain('href="/signin');

    const c = await clipOf(cookie);
    expect(c.status).toBe(200);
    expect(c.headers.get('content-type')).toBe('audio/wav');
    expect(c.headers.get('cache-control')).toBe('private, no-store');
    const bytes = Buffer.from(await c.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(clip.sha256);
    // The same checks as the API route: a clip whose file no longer hashes as its evidence says is refused.
    const altered = await clipOf(cookie, alteredProbeId);
    expect(altered.status).toBe(409);
    expect(altered.headers.get('cache-control')).toBe('private, no-store');
    expect((await clipOf(cookie, probeId, '7')).status).toBe(404);
  });

  test('anonymous visitors get the public page, cacheable, with a sign-in link, and no clip', async () => {
    const res = await page();
    expect(res.headers.get('cache-control')).toBe('public, max-age=15');
    const html = await res.text();
    expect(html).not.toContain('<audio');
    expect(html).not.toContain('/clips/');
    expect(html).not.toContain('Signed in');
    expect(html).toContain('<a href="/signin?next=%2Fcenters%2Falpha" rel="nofollow">Sign in</a>');
    const c = await clipOf();
    expect(c.status).toBe(401);
    expect(c.headers.get('cache-control')).toBe('private, no-store');
    expect(((await c.json()) as { message: string }).message).toMatch(/never public: sign in/);
    // A made-up session id is no session; nor is an API token sent as a bearer header.
    expect((await clipOf(`rw_session=${'A'.repeat(43)}`)).status).toBe(401);
    expect((await fetch(`${base}/clips/${probeId}/0`, { headers: { authorization: `Bearer ${T.admin.secret}` } })).status).toBe(401);
  });

  test('sign-out needs this session\'s CSRF token and this site\'s origin; then the session is gone', async () => {
    const cookie = await cookieFor(T.operator.secret);
    const csrf = csrfOf(await (await page(cookie)).text()) as string;
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const post = (fields: Record<string, string>, origin: string) =>
      fetch(`${base}/signout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });
    expect((await post({}, base)).status).toBe(403);
    expect((await post({ csrf: 'x'.repeat(43) }, base)).status).toBe(403);
    expect((await post({ csrf }, 'http://evil.example')).status).toBe(403);
    // None of those ended the session.
    expect((await clipOf(cookie)).status).toBe(200);
    const out = await post({ csrf }, base);
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^rw_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    // The old cookie, replayed, opens nothing.
    expect((await clipOf(cookie)).status).toBe(401);
    expect(await (await page(cookie)).text()).not.toContain('<audio');
  });

  test('revoking the token ends its sessions at once', async () => {
    const c = tokens.create({ name: 'b.auditor', role: 'auditor', createdBy: 'test' });
    const cookie = await cookieFor(c.secret);
    expect((await clipOf(cookie)).status).toBe(200);
    tokens.revoke(c.token.id);
    expect((await clipOf(cookie)).status).toBe(401);
    const html = await (await page(cookie)).text();
    expect(html).not.toContain('<audio');
    expect(html).not.toContain('b.auditor');
  });

  test('a session idle for more than 12 hours has expired', async () => {
    const cookie = await cookieFor(T.admin.secret);
    expect((await clipOf(cookie)).status).toBe(200);
    // 13 hours pass without a request (the row is the session's only clock).
    const hash = createHash('sha256').update(cookie.split('=')[1] as string).digest('hex');
    t.db.prepare('UPDATE board_sessions SET seen_at = seen_at - ?, created_at = created_at - ? WHERE id_hash = ?').run(13 * 3_600_000, 13 * 3_600_000, hash);
    expect((await clipOf(cookie)).status).toBe(401);
    expect(await (await page(cookie)).text()).not.toContain('<audio');
  });

  test('a sign-in posted from another site, or without an origin, is refused and opens no session', async () => {
    for (const origin of ['http://evil.example', null]) {
      const res = await signIn(T.auditor.secret, { origin });
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).toContain('The form was not sent from this site');
    }
  });

  test('a page to go back to must be on this site', async () => {
    const res = await signIn(T.auditor.secret, { next: '//evil.example/x' });
    expect(res.headers.get('location')).toBe('/');
  });

  test('wrong tokens: a clear message, no cookie; after 5 in 15 minutes, refused for a while with the wait', async () => {
    const first = await signIn('rw_0123456789abcdef_wrongwrongwrongwrongwrongwrongwrongwrongwro');
    expect(first.status).toBe(401);
    expect(first.headers.get('set-cookie')).toBeNull();
    expect(await first.text()).toContain('The token is unknown or has been revoked.');
    for (let i = 0; i < 4; i++) expect((await signIn(`wrong-${i}`)).status).toBe(401);
    // Even the right token now waits: guessing is limited, not just wrong guesses.
    const limited = await signIn(T.auditor.secret);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/Too many failed sign-ins from your address\. Try again in \d+ min\./);
  });

  test('no token, no session id and no CSRF token is ever logged', () => {
    const log = logLines.join('');
    expect(log).toContain('signed in on the board');
    for (const { secret } of Object.values(T)) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/rw_session=/);
    expect(log).not.toContain('wrong-0');
  });
});

describe('behind https', () => {
  test('the cookie is Secure when the board\'s public address is https', async () => {
    const s = await buildTestApp({ publicUrl: 'https://board.example.org' });
    try {
      const secret = new Tokens(s.db).create({ name: 'c.auditor', role: 'auditor', createdBy: 'test' }).secret;
      // inject: no socket, so no address outside the machine is ever contacted.
      const res = await s.app.inject({ method: 'POST', url: '/signin', headers: { origin: 'https://board.example.org', 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ token: secret }) });
      expect(res.statusCode).toBe(303);
      expect(String(res.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await s.close();
    }
  });
});
