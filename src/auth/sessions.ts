// Board sessions: an operator, auditor or admin signs in on the board with an API token and gets a
// random session id in a cookie. Only the id's SHA-256 is stored, with the token's id (never the
// token) and a CSRF token for the session's forms. Every request checks the token again, so a token
// revoked by the CLI ends its sessions at once; idle sessions expire, and so do old ones.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DB } from '../store/db.ts';
import { SqliteSessionRepository } from '../store/sessions.ts';
import { LEGACY_TOKEN_ID, LEGACY_TOKEN_NAME, type Actor, type Tokens } from './tokens.ts';

/** The cookie that carries the session id. */
export const SESSION_COOKIE = 'rw_session';
/** A session unused this long is over. */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** And none lasts longer than this, used or not. */
export const SESSION_MAX_MS = 7 * 86_400_000;
const SEEN_EVERY_MS = 60_000;
const ID_RE = /^[A-Za-z0-9_-]{43}$/;

export interface Session {
  actor: Actor;
  /** The value every form of this session must post back as `csrf`. */
  csrf: string;
}

const hashOf = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

export class Sessions {
  private readonly repo: SqliteSessionRepository;
  private readonly tokens: Tokens;
  private readonly now: () => number;

  constructor(db: DB, tokens: Tokens, opts: { now?: () => number } = {}) {
    this.repo = new SqliteSessionRepository(db);
    this.tokens = tokens;
    this.now = opts.now ?? Date.now;
  }

  /** Checks a token as the API does and opens a session for its holder; null when the token is not valid. */
  signIn(secret: string): { id: string; session: Session } | null {
    const actor = this.tokens.verify(secret);
    if (!actor) return null;
    const now = this.now();
    // Sign-ins are rare: a good moment to forget the sessions that have expired (they are refused
    // anyway, so a busy disk here must not stop the sign-in).
    try {
      this.repo.expire(now - SESSION_IDLE_MS, now - SESSION_MAX_MS);
    } catch {
      // Left for the next sign-in.
    }
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    this.repo.insert({ id_hash: hashOf(id), token_id: actor.tokenId, csrf, created_at: now, seen_at: now });
    return { id, session: { actor, csrf } };
  }

  /** The live session with this cookie value, or null (unknown, expired, or its token revoked). */
  resolve(id: string | undefined): Session | null {
    if (id === undefined || !ID_RE.test(id)) return null;
    const h = hashOf(id);
    const row = this.repo.byHash(h);
    if (!row) return null;
    const now = this.now();
    const expired = row.seen_at < now - SESSION_IDLE_MS || row.created_at < now - SESSION_MAX_MS;
    const actor = expired ? null : this.holder(row.token_id);
    if (!actor) {
      this.forget(h);
      return null;
    }
    if (now - row.seen_at >= SEEN_EVERY_MS) {
      try {
        this.repo.touch(h, now, now - SEEN_EVERY_MS);
      } catch {
        // A busy disk must not sign people out: at worst the session expires a minute early.
      }
    }
    return { actor, csrf: row.csrf };
  }

  /** Removes a dead session's row; if the disk refuses, the row stays dead all the same (resolve checks it again). */
  private forget(idHash: string): void {
    try {
      this.repo.delete(idHash);
    } catch {
      // Nothing to do: an expired or revoked session is refused whether or not its row is gone.
    }
  }

  signOut(id: string | undefined): void {
    if (id !== undefined && ID_RE.test(id)) this.repo.delete(hashOf(id));
  }

  /** The token's holder as it is now: its role may not have changed, but it may have been revoked. */
  private holder(tokenId: string): Actor | null {
    if (tokenId === LEGACY_TOKEN_ID) return this.tokens.hasLegacyToken ? { tokenId, name: LEGACY_TOKEN_NAME, role: 'operator' } : null;
    const t = this.tokens.get(tokenId);
    return t && t.revokedAt === null ? { tokenId: t.id, name: t.name, role: t.role } : null;
  }
}

/** Whether `given` is this session's CSRF token, compared in constant time. */
export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Failed sign-ins per client address: after `max` failures within `windowMs`, sign-in is refused
 * until the oldest failure leaves the window. A pure counter: the route decides what to answer.
 */
export class SigninThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  constructor(max = 5, windowMs = 15 * 60_000) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** 0 when `client` may try; otherwise the milliseconds until it may. */
  waitFor(client: string, now: number): number {
    const recent = (this.failures.get(client) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length === 0) this.failures.delete(client);
    else this.failures.set(client, recent);
    return recent.length >= this.max ? (recent[0] as number) + this.windowMs - now : 0;
  }

  failed(client: string, now: number): void {
    const list = this.failures.get(client) ?? [];
    list.push(now);
    this.failures.set(client, list);
    // Bounded: a flood of addresses must not grow memory without end.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeeded(client: string): void {
    this.failures.delete(client);
  }
}
