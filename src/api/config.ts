// The `http` section (PORT and HOST win over it) and the legacy operator token from the environment.

import { parseDuration } from '../scheduler/schedule.ts';
import { fieldsOf, isObj, knownKeys, sectionOf, showDuration, showValue, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

export interface HttpConfig {
  host: string;
  port: number;
  /** Origins whose browsers may call the API (CORS); '*' for any; empty: no CORS headers at all. */
  corsOrigins: string[] | '*';
  /** Requests per client address per window; max 0 turns the limit off. */
  rateLimit: { max: number; windowMs: number };
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
}

export interface AuthConfig {
  /** REACHWATCH_OPERATOR_TOKEN: kept so deployments from before the token table keep working. */
  operatorToken: string | null;
}

export const HTTP_DEFAULTS: HttpConfig = { host: '127.0.0.1', port: 8080, corsOrigins: [], rateLimit: { max: 600, windowMs: 60_000 }, bodyLimit: 64 * 1024 };

const D = HTTP_DEFAULTS;
export const HTTP_DOC: SectionDoc = {
  section: 'http',
  about: 'The API and board listener.',
  keys: [
    { key: 'host', default: D.host, meaning: 'Listen address.', env: 'HOST' },
    { key: 'port', default: String(D.port), meaning: 'Listen port, 0 to 65535 (0: any free port).', env: 'PORT' },
    { key: 'cors_origins', default: showValue(D.corsOrigins), meaning: 'Origins whose browsers may call the API, such as https://board.example.kz, or "*" for any; empty: no CORS headers.' },
    { key: 'rate_limit.max', default: String(D.rateLimit.max), meaning: 'Requests per client address per window, 0 to 1000000; 0 turns the limit off.' },
    { key: 'rate_limit.window', default: showDuration(D.rateLimit.windowMs), meaning: 'The rate limit window.' },
    { key: 'body_limit', default: String(D.bodyLimit), meaning: 'Largest request body in bytes, 1024 to 104857600.' },
  ],
};

function corsOriginsOf(http: Obj, ctx: SectionContext): string[] | '*' {
  const { where, problems } = ctx;
  const cors = http.cors_origins;
  if (cors === '*') return '*';
  if (cors === undefined || cors === null) return D.corsOrigins;
  if (!Array.isArray(cors)) {
    problems.push(`${where(['http', 'cors_origins'])}: must be a list of origins such as https://board.example.kz, or "*" for any.`);
    return D.corsOrigins;
  }
  const origins: string[] = [];
  cors.forEach((o, i) => {
    let origin: string | null = null;
    try {
      // An origin is scheme, host and port only: "https://a.kz/" or "https://a.kz/board" would never match a browser's Origin header.
      const u = new URL(String(o));
      if (typeof o === 'string' && ['http:', 'https:'].includes(u.protocol) && u.origin === o) origin = o;
    } catch {
      origin = null;
    }
    if (o === '*') problems.push(`${where(['http', 'cors_origins', i])}: "*" allows any origin; write cors_origins: "*" instead of a list.`);
    else if (origin === null) problems.push(`${where(['http', 'cors_origins', i])}: ${JSON.stringify(o)} is not an origin like https://board.example.kz (scheme, host and optional port; no path or trailing slash).`);
    else origins.push(origin);
  });
  return origins;
}

function rateLimitOf(http: Obj, ctx: SectionContext): HttpConfig['rateLimit'] {
  const { where, problems } = ctx;
  const rl = http.rate_limit;
  if (rl === undefined || rl === null) return D.rateLimit;
  if (!isObj(rl)) {
    problems.push(`${where(['http', 'rate_limit'])}: must be {max: requests, window: duration}, e.g. {max: 600, window: 1m}; max 0 turns it off.`);
    return D.rateLimit;
  }
  for (const k of Object.keys(rl)) if (k !== 'max' && k !== 'window') problems.push(`${where(['http', 'rate_limit', k])}: unknown key "${k}" in http.rate_limit; known keys are max, window.`);
  let { max, windowMs } = D.rateLimit;
  if (rl.max !== undefined) {
    if (typeof rl.max !== 'number' || !Number.isInteger(rl.max) || rl.max < 0 || rl.max > 1_000_000) {
      problems.push(`${where(['http', 'rate_limit', 'max'])}: must be a whole number of requests from 0 (no limit) to 1000000, not ${JSON.stringify(rl.max)}.`);
    } else max = rl.max;
  }
  if (rl.window !== undefined) {
    const ms = typeof rl.window === 'string' ? parseDuration(rl.window) : null;
    if (ms === null || ms <= 0) problems.push(`${where(['http', 'rate_limit', 'window'])}: must be a duration like "1m" or "10s", not ${JSON.stringify(rl.window)}.`);
    else windowMs = ms;
  }
  return { max, windowMs };
}

export function parseHttpSection(raw: Obj, ctx: SectionContext): HttpConfig {
  const http = sectionOf(raw, 'http', ctx);
  const f = fieldsOf(ctx, 'http', http);
  f.known(knownKeys(HTTP_DOC));
  const corsOrigins = corsOriginsOf(http, ctx);
  const rateLimit = rateLimitOf(http, ctx);
  let port = f.int('port', D.port, 0, 65535);
  const portEnv = ctx.env.port;
  if (portEnv !== undefined && portEnv !== '') {
    const p = Number(portEnv);
    if (!Number.isInteger(p) || p < 0 || p > 65535) ctx.problems.push(`PORT=${portEnv} is not a port number (0-65535).`);
    else port = p;
  }
  const host = ctx.env.host || f.str('host', D.host);
  return { host, port, corsOrigins, rateLimit, bodyLimit: f.int('body_limit', D.bodyLimit, 1024, 100 * 1024 * 1024) };
}

export function authFromEnv(ctx: SectionContext): AuthConfig {
  return { operatorToken: ctx.env.operatorToken || null };
}
