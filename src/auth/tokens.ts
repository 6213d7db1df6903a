// API tokens: one per person or system, each with one role. The secret is shown once at creation and
// only its SHA-256 is stored. Verification reads the row on every request (a revocation made by the
// CLI in another process takes effect at once) and writes last_used_at at most once a minute.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DB } from '../store/db.ts';
import type { ApiTokenRow } from '../store/rows.ts';
import { SqliteTokenRepository, type TokenRepository } from '../store/tokens.ts';

export const ROLES = ['operator', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** What each role may do, for messages and documentation. `admin` may do everything. */
export const ROLE_DUTIES: Record<Role, string> = {
  operator: 'manual probes, maintenance windows, probe a channel now, the alert outbox (list, read, retry)',
  auditor: 'history exports (every probe with its raw evidence) and availability reports',
  admin: 'everything: the operator and auditor actions, alert subscriptions, and managing tokens',
};

/** The caller of a request, recorded with what it writes. */
export interface Actor {
  tokenId: string;
  name: string;
  role: Role;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export class TokenInputError extends Error {
  override name = 'TokenInputError';
}

/** The id of the legacy token taken from the environment; it has no row. */
export const LEGACY_TOKEN_ID = 'env:REACHWATCH_OPERATOR_TOKEN';
export const LEGACY_TOKEN_NAME = 'operator (REACHWATCH_OPERATOR_TOKEN)';

/** Whether `role` may act where `needed` is required. */
export const roleAllows = (role: Role, needed: Role): boolean => role === 'admin' || role === needed;

const LAST_USED_EVERY_MS = 60_000;
// Lowercase hex has no '_', so the id part ends at the second underscore even though base64url may contain one.
const SECRET_RE = /^rw_([0-9a-f]{16})_([A-Za-z0-9_-]{43,})$/;

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

const infoOf = (r: ApiTokenRow): TokenInfo => ({
  id: r.id,
  name: r.name,
  role: r.role,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

/** A holder's name: printable, trimmed, 1-100 characters (it ends up in logs and in every record they write). */
export function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new TokenInputError('The name must be a string naming who holds the token, e.g. "a.researcher".');
  const n = name.trim();
  if (n.length < 1 || n.length > 100) throw new TokenInputError('The name must be 1 to 100 characters, e.g. "a.researcher".');
  // Control characters would let a name forge log lines or break the CLI's table.
  if (/\p{Cc}/u.test(n)) throw new TokenInputError('The name must not contain control characters.');
  return n;
}

export class Tokens {
  private readonly repo: TokenRepository;
  private readonly legacy: Buffer | null;
  private readonly now: () => number;

  /** `db`: the SQLite file, or any other engine's token repository. */
  constructor(db: DB | TokenRepository, opts: { legacyOperatorToken?: string | null; now?: () => number } = {}) {
    this.repo = 'byId' in db ? db : new SqliteTokenRepository(db);
    this.legacy = opts.legacyOperatorToken ? sha256(opts.legacyOperatorToken) : null;
    this.now = opts.now ?? Date.now;
  }

  /** Whether REACHWATCH_OPERATOR_TOKEN is in force. */
  get hasLegacyToken(): boolean {
    return this.legacy !== null;
  }

  /** Creates a token; the secret is returned here and never again. */
  create(input: { name: string; role: string; createdBy: string }): { token: TokenInfo; secret: string } {
    const name = checkName(input.name);
    if (!isRole(input.role)) throw new TokenInputError(`Unknown role "${input.role}": the roles are ${ROLES.join(', ')}.`);
    const idPart = randomBytes(8).toString('hex');
    const secret = `rw_${idPart}_${randomBytes(32).toString('base64url')}`;
    const row: ApiTokenRow = {
      id: `tok_${idPart}`,
      name,
      role: input.role,
      hash: sha256(secret).toString('hex'),
      created_at: this.now(),
      created_by: input.createdBy,
      revoked_at: null,
      last_used_at: null,
    };
    this.repo.insert(row);
    return { token: infoOf(row), secret };
  }

  list(opts: { includeRevoked?: boolean } = {}): TokenInfo[] {
    return this.repo.list(opts.includeRevoked ?? false).map(infoOf);
  }

  get(id: string): TokenInfo | null {
    const r = this.repo.byId(id);
    return r ? infoOf(r) : null;
  }

  revoke(id: string): { result: 'revoked' | 'already_revoked'; token: TokenInfo } | { result: 'not_found' } {
    const now = this.now();
    const changed = this.repo.revoke(id, now);
    const r = this.repo.byId(id);
    if (!r) return { result: 'not_found' };
    return { result: changed ? 'revoked' : 'already_revoked', token: infoOf(r) };
  }

  /** The holder of a secret, or null for anything else (malformed, unknown, revoked). */
  verify(secret: string): Actor | null {
    const given = sha256(secret);
    if (this.legacy && timingSafeEqual(given, this.legacy)) return { tokenId: LEGACY_TOKEN_ID, name: LEGACY_TOKEN_NAME, role: 'operator' };
    const m = SECRET_RE.exec(secret);
    if (!m) return null;
    const row = this.repo.byId(`tok_${m[1]}`);
    if (!row) return null;
    // The id part is not secret; comparing the digests in constant time keeps the rest from leaking.
    const stored = Buffer.from(row.hash, 'hex');
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
    if (row.revoked_at !== null) return null;
    const now = this.now();
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_EVERY_MS) {
      try {
        this.repo.touch(row.id, now, now - LAST_USED_EVERY_MS);
      } catch {
        // A busy or full disk must not lock people out: last_used_at is bookkeeping, not a check.
      }
    }
    return { tokenId: row.id, name: row.name, role: row.role };
  }
}
