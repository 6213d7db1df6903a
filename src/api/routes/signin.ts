// Signing in on the board: an operator, auditor or admin posts an API token to /signin and gets a
// session cookie (src/auth/sessions.ts); with it the center pages show the recorded clips, played
// from /clips/{probe}/{n}. Sessions are for the board's pages only: the API still wants a bearer
// token, so a session cookie can never authorise an API write.
//
// Cross-site requests: the cookie is SameSite=Strict, and every POST must come from this site
// (Origin, or else Referer) and, once signed in, echo the session's CSRF token. The token is never
// put in a URL (the form posts it) nor logged.

import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { csrfMatches, SESSION_COOKIE, SESSION_IDLE_MS, SigninThrottle, type Session, type Sessions } from '../../auth/sessions.ts';
import { context, NOTHING_SHOWN } from '../../board/routes.ts';
import type { Viewer } from '../../board/render.ts';
import { renderSignin } from '../../board/signin.ts';
import { SESSION_WORDS } from '../../i18n/session.ts';
import type { Queries } from '../../store/queries.ts';
import { serveClip } from './announcements.ts';
import { ErrorReply } from '../schemas.ts';

export interface SigninOptions {
  sessions: Sessions;
  queries: Queries;
  /** The data folder where clips are kept; null: no clip route (clips are not kept). */
  dataDir: string | null;
  /** The board's public address (REACHWATCH_BOARD_URL or REACHWATCH_PUBLIC_URL): its origin is accepted, and https makes the cookie Secure. */
  publicUrl: string | null;
  throttle?: SigninThrottle;
}

const cookieOf = (req: FastifyRequest): string | undefined => new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;\\s]+)`).exec(req.headers.cookie ?? '')?.[1];

/** The session of a request's cookie, if live. */
export const sessionOf = (sessions: Sessions, req: FastifyRequest): Session | null => sessions.resolve(cookieOf(req));

/** What the board shows of a session. */
export const viewerOf = (s: Session | null): Viewer | null => (s ? { name: s.actor.name, role: s.actor.role, csrf: s.csrf } : null);

/** A page to go back to: a path on this site, never another site ("//host", "/\\host"). */
const localPath = (v: unknown): string => (typeof v === 'string' && /^\/(?![/\\])[^\s]*$/.test(v) && v.length <= 500 ? v : '/');

/**
 * Whether a POST came from one of this site's pages: its Origin when the browser sends one (not
 * "null"), else its Referer, must be the address the request was made to or the board's public
 * origin. For every form a session can post (the operator console's too).
 */
export function postedFromThisSite(req: FastifyRequest, publicOrigin: string | null): boolean {
  const own = new Set([`${req.protocol}://${req.host}`, ...(publicOrigin ? [publicOrigin] : [])]);
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return own.has(origin);
  const referer = req.headers.referer;
  if (typeof referer !== 'string') return false;
  try {
    return own.has(new URL(referer).origin);
  } catch {
    return false;
  }
}

const FormBody = Type.Object({ token: Type.Optional(Type.String({ maxLength: 1000 })), next: Type.Optional(Type.String({ maxLength: 1000 })), csrf: Type.Optional(Type.String({ maxLength: 200 })) });

export const signinRoutes: FastifyPluginAsyncTypebox<SigninOptions> = async (app, { sessions, queries, dataDir, publicUrl, throttle = new SigninThrottle() }) => {
  await app.register(formbody);
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : null;
  const secureAlways = publicUrl?.startsWith('https:') ?? false;

  const sameSite = (req: FastifyRequest): boolean => postedFromThisSite(req, publicOrigin);

  const cookie = (req: FastifyRequest, value: string, maxAgeS: number): string =>
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secureAlways || req.protocol === 'https' ? '; Secure' : ''}`;

  const page = (req: FastifyRequest, reply: FastifyReply, code: number, next: string, error?: string) => {
    const q = req.query as Record<string, unknown>;
    const chosen = q.lang === 'ru' || q.lang === 'kk' || q.lang === 'en' ? q.lang : undefined;
    const ctx = context(req, reply, chosen, { next: typeof q.next === 'string' ? q.next : undefined }, NOTHING_SHOWN, viewerOf(sessionOf(sessions, req)));
    // helmet's no-referrer makes browsers post forms with "Origin: null"; this form must show its origin.
    return reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'private, no-store').header('referrer-policy', 'same-origin').send(renderSignin(ctx, { next, ...(error ? { error } : {}) }));
  };

  app.get(
    '/signin',
    {
      schema: {
        tags: ['board'],
        summary: 'The sign-in page (HTML): operators, auditors and admins sign in with their API token to play recorded clips on the center pages',
        querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('ru'), Type.Literal('kk'), Type.Literal('en')])), next: Type.Optional(Type.String({ maxLength: 500, description: 'A page of this site to return to' })) }),
      },
    },
    async (req, reply) => page(req, reply, 200, localPath(req.query.next)),
  );

  app.post(
    '/signin',
    {
      schema: {
        tags: ['board'],
        summary: 'Sign in with an API token (form post): sets an HttpOnly, SameSite=Strict session cookie and goes back to `next`',
        description: 'Body (application/x-www-form-urlencoded): `token`, and `next`, a page of this site. 401 for a wrong token, 403 from another site, 429 after 5 failures in 15 minutes from one address.',
        consumes: ['application/x-www-form-urlencoded'],
        body: FormBody,
        response: { 303: Type.Null({ description: 'Signed in: the cookie is set; go to `next`' }) },
      },
    },
    async (req, reply) => {
      const w = SESSION_WORDS[context(req, reply, undefined, {}, NOTHING_SHOWN).w.lang];
      const next = localPath(req.body.next);
      if (!sameSite(req)) {
        req.log.info({ origin: req.headers.origin ?? null }, 'sign-in refused: not posted from this site');
        return page(req, reply, 403, next, w.crossSite);
      }
      const now = Date.now();
      const wait = throttle.waitFor(req.ip, now);
      if (wait > 0) {
        void reply.header('retry-after', String(Math.ceil(wait / 1000)));
        return page(req, reply, 429, next, w.tooMany(Math.ceil(wait / 60_000)));
      }
      const token = req.body.token?.trim() ?? '';
      if (token === '') return page(req, reply, 400, next, w.missingToken);
      const opened = sessions.signIn(token);
      if (!opened) {
        throttle.failed(req.ip, now);
        // Logged without the token, so that guessing shows in the logs.
        req.log.info({ ip: req.ip }, 'sign-in failed: unknown or revoked token');
        return page(req, reply, 401, next, w.wrongToken);
      }
      throttle.succeeded(req.ip);
      req.log.info({ token: opened.session.actor.tokenId, role: opened.session.actor.role }, 'signed in on the board');
      return reply.code(303).header('set-cookie', cookie(req, opened.id, SESSION_IDLE_MS / 1000)).header('cache-control', 'no-store').header('location', next).send(null);
    },
  );

  app.post(
    '/signout',
    {
      schema: {
        tags: ['board'],
        summary: "Sign out (form post with the session's `csrf` field): ends the session and clears the cookie",
        consumes: ['application/x-www-form-urlencoded'],
        body: FormBody,
        response: { 303: Type.Null({ description: 'Signed out; go to the board' }), 403: ErrorReply },
      },
    },
    async (req, reply) => {
      const session = sessionOf(sessions, req);
      if (!sameSite(req) || (session && !csrfMatches(session, req.body.csrf))) {
        req.log.info({ origin: req.headers.origin ?? null }, 'sign-out refused: not posted from this site or a wrong CSRF token');
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'Sign out from a page of this site: the form\'s origin or its "csrf" field does not match this session.' });
      }
      if (session) {
        sessions.signOut(cookieOf(req));
        req.log.info({ token: session.actor.tokenId }, 'signed out of the board');
      }
      return reply.code(303).header('set-cookie', cookie(req, '', 0)).header('cache-control', 'no-store').header('location', '/').send(null);
    },
  );

  if (dataDir !== null) {
    app.get(
      '/clips/:id/:n',
      {
        schema: {
          tags: ['board'],
          summary: "A probe's recorded clip, for the center page's player (board session: operator, auditor or admin; never public)",
          description: 'The same clip and checks as GET /api/v1/probes/{id}/clips/{n}, with the board\'s session cookie instead of a bearer token: 401 without a live session.',
          params: Type.Object({ id: Type.Integer({ minimum: 1 }), n: Type.String({ pattern: '^[a-z0-9_]{1,32}$' }) }),
          response: {
            200: { description: 'The clip: WAV, 8 kHz mono', content: { 'audio/wav': { schema: Type.String({ format: 'binary' }) } } },
            400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 410: ErrorReply,
          },
        },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'private, no-store');
        const session = sessionOf(sessions, req);
        if (!session) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'Recorded clips are never public: sign in on the board (/signin) as an operator, auditor or admin.' });
        req.actor = session.actor;
        return serveClip(req, reply, queries, dataDir, req.params.id, req.params.n);
      },
    );
  }
};
