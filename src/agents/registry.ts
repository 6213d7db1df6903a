// Regional agents as the central knows them: created by an admin with a token shown once (only its
// SHA-256 is kept, like API tokens in src/auth/tokens.ts), enrolled once with an Ed25519 public key
// and capabilities, revoked by an admin, and heard from on every request. Every check reads the row,
// so a revocation made by the CLI in another process takes effect at the next request.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { checkName, TokenInputError } from '../auth/tokens.ts';
import type { DB } from '../store/db.ts';
import { AgentStore, type AgentSighting } from '../store/agents.ts';
import type { AgentRow } from '../store/rows.ts';
import { CENTRAL } from './config.ts';
import type { AgentIdentity } from './identity.ts';
import { AGENT_CAPABILITIES, AGENT_TOKEN_RE, publicKeyFromRaw, REFUSALS, type AgentCapability } from './protocol.ts';

/** A wrong name, point or id given by an admin: the message says which and why. */
export class AgentInputError extends TokenInputError {
  override name = 'AgentInputError';
}

/** An agent as admins see it (never its token nor its hash). */
export interface AgentInfo {
  id: string;
  name: string;
  vantage: string;
  capabilities: AgentCapability[];
  version: string | null;
  publicKey: string | null;
  createdAt: number;
  createdBy: string;
  enrolledAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
  lastSeenAt: number | null;
  queueDepth: number | null;
  oldestQueuedAt: number | null;
  clockOffsetMs: number | null;
  lastBatchSeq: number;
  staleSince: number | null;
}

/** Why a request's agent token was refused: the HTTP status, the protocol's code, and a sentence. */
export interface AgentRefusal {
  status: 401 | 403;
  code: string;
  message: string;
}

export type AgentAuth = { ok: true; row: AgentRow } | { ok: false; refusal: AgentRefusal };

export type EnrollResult =
  | { result: 'enrolled' | 'already_enrolled'; agent: AgentInfo }
  | { result: 'key_mismatch'; agent: AgentInfo }
  | { result: 'revoked'; agent: AgentInfo }
  | { result: 'bad_key' };

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const AGENT_ID_RE = /^agt_[0-9a-f]{16}$/;

export function capabilitiesOf(row: Pick<AgentRow, 'capabilities'>): AgentCapability[] {
  try {
    const v: unknown = JSON.parse(row.capabilities);
    return Array.isArray(v) ? v.filter((c): c is AgentCapability => (AGENT_CAPABILITIES as readonly unknown[]).includes(c)) : [];
  } catch {
    return [];
  }
}

export const infoOf = (r: AgentRow): AgentInfo => ({
  id: r.id,
  name: r.name,
  vantage: r.vantage,
  capabilities: capabilitiesOf(r),
  version: r.version,
  publicKey: r.public_key,
  createdAt: r.created_at,
  createdBy: r.created_by,
  enrolledAt: r.enrolled_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
  lastSeenAt: r.last_seen_at,
  queueDepth: r.queue_depth,
  oldestQueuedAt: r.oldest_queued_at,
  clockOffsetMs: r.clock_offset_ms,
  lastBatchSeq: r.last_batch_seq,
  staleSince: r.stale_since,
});

export const identityOf = (r: AgentRow): AgentIdentity => ({
  id: r.id,
  name: r.name,
  vantage: r.vantage,
  capabilities: capabilitiesOf(r),
  publicKey: r.public_key,
});

export class Agents {
  readonly store: AgentStore;
  /** The configured points an agent may be created for (every point but central). */
  private readonly points: readonly string[];
  private readonly now: () => number;
  private readonly sightings = new Map<string, AgentSighting>();

  constructor(db: DB | AgentStore, opts: { points: readonly string[]; now?: () => number }) {
    this.store = db instanceof AgentStore ? db : new AgentStore(db);
    this.points = opts.points.filter((p) => p !== CENTRAL);
    this.now = opts.now ?? Date.now;
  }

  /** Creates an agent for a configured point; the token is returned here and never again. */
  create(input: { name: string; vantage: string; createdBy: string }): { agent: AgentInfo; token: string } {
    const name = checkName(input.name);
    if (input.vantage === CENTRAL) throw new AgentInputError('"central" is this daemon itself; an agent serves another vantage point (vantage.points in the configuration).');
    if (!this.points.includes(input.vantage)) {
      throw new AgentInputError(
        this.points.length === 0
          ? `"${input.vantage}" is not a vantage point: the configuration names none (add it under vantage.points, e.g. ${input.vantage}: {domestic: true}).`
          : `"${input.vantage}" is not a vantage point; the configured points are ${this.points.join(', ')}.`,
      );
    }
    if (this.store.byName(name)) throw new AgentInputError(`An agent named "${name}" already exists; names are unique (revoked agents keep theirs).`);
    const idPart = randomBytes(8).toString('hex');
    const token = `rwa_${idPart}_${randomBytes(32).toString('base64url')}`;
    const row = { id: `agt_${idPart}`, name, vantage: input.vantage, token_hash: sha256(token).toString('hex'), created_at: this.now(), created_by: input.createdBy };
    this.store.insert(row);
    return { agent: infoOf(this.store.byId(row.id) as AgentRow), token };
  }

  list(opts: { includeRevoked?: boolean } = {}): AgentInfo[] {
    this.flushQuietly();
    return this.store.list(opts.includeRevoked ?? false).map(infoOf);
  }

  /** By id (`agt_…`) or by name. */
  get(idOrName: string): AgentInfo | null {
    this.flushQuietly();
    const r = AGENT_ID_RE.test(idOrName) ? this.store.byId(idOrName) : this.store.byName(idOrName);
    return r ? infoOf(r) : null;
  }

  revoke(idOrName: string, by: string): { result: 'revoked' | 'already_revoked'; agent: AgentInfo } | { result: 'not_found' } {
    const found = this.get(idOrName);
    if (!found) return { result: 'not_found' };
    const changed = this.store.revoke(found.id, this.now(), by);
    return { result: changed ? 'revoked' : 'already_revoked', agent: this.get(found.id) as AgentInfo };
  }

  /**
   * The agent holding `token`, or why it is refused. Only agent tokens are looked at: an API token
   * is named as such, so whoever pasted the wrong one learns it at once.
   */
  authenticate(token: string): AgentAuth {
    const refuse = (status: 401 | 403, code: string, message: string): AgentAuth => ({ ok: false, refusal: { status, code, message } });
    if (token.startsWith('rw_')) return refuse(401, REFUSALS.badToken, 'This is an API token; agent endpoints take an agent token ("rwa_…", from "reachwatch agents create").');
    const m = AGENT_TOKEN_RE.exec(token);
    if (!m) return refuse(401, REFUSALS.badToken, 'The agent token is malformed: it looks like "rwa_<16 hex digits>_<secret>" (from "reachwatch agents create").');
    const row = this.store.byId(`agt_${m[1]}`);
    const given = sha256(token);
    // The id part is not secret; comparing the digests in constant time keeps the rest from leaking.
    const stored = row ? Buffer.from(row.token_hash, 'hex') : null;
    if (!row || !stored || stored.length !== given.length || !timingSafeEqual(stored, given)) {
      return refuse(401, REFUSALS.badToken, 'The agent token is unknown: ask an admin for a token ("reachwatch agents create").');
    }
    if (row.revoked_at !== null) {
      return refuse(403, REFUSALS.revoked, `Agent "${row.name}" was revoked at ${new Date(row.revoked_at).toISOString()}; its results are refused. An admin creates a new agent to replace it.`);
    }
    return { ok: true, row };
  }

  /**
   * Registers the agent's public key and capabilities, once. The same key again is an idempotent
   * repeat (an agent that lost the reply); a different key is refused: an admin revokes the agent and
   * creates a new one, so results signed by the old key stay attributable to it.
   */
  enroll(row: AgentRow, input: { publicKey: string; capabilities: readonly AgentCapability[]; version: string }): EnrollResult {
    if (publicKeyFromRaw(input.publicKey) === null) return { result: 'bad_key' };
    const caps = JSON.stringify([...new Set(input.capabilities)].sort());
    if (this.store.enroll(row.id, input.publicKey, caps, input.version, this.now())) return { result: 'enrolled', agent: this.get(row.id) as AgentInfo };
    const now = this.store.byId(row.id) as AgentRow;
    if (now.revoked_at !== null) return { result: 'revoked', agent: infoOf(now) };
    if (now.public_key !== input.publicKey) return { result: 'key_mismatch', agent: infoOf(now) };
    if (now.capabilities !== caps || now.version !== input.version) this.store.updateCapabilities(row.id, caps, input.version);
    return { result: 'already_enrolled', agent: this.get(row.id) as AgentInfo };
  }

  /**
   * Notes that the agent was heard (every authenticated request is a heartbeat). A heartbeat's report
   * (queue depth) is written at once; the rest is kept in memory and written by `flushSightings` (about once a second, in one transaction for every agent): a write of
   * its own per request would wait for the disk on the event loop, several times per batch. What a
   * crash loses is at most a second of "last heard", which stale_after (minutes) does not notice.
   */
  touch(id: string, s: AgentSighting): void {
    const was = this.sightings.get(id);
    if (s.queueDepth !== undefined) {
      // A heartbeat (or a lease, which is one) is written at once: it is what the agent list and the
      // health watch read, and it comes about once a second per agent at most.
      this.sightings.delete(id);
      this.store.touch(id, was ? { ...s, at: Math.max(was.at, s.at), ...(s.version === undefined && was.version !== undefined ? { version: was.version } : {}) } : s);
      return;
    }
    if (!was) {
      this.sightings.set(id, { ...s });
      return;
    }
    // Merged: the latest time, and whatever the later request said (a batch says nothing of the queue).
    was.at = Math.max(was.at, s.at);
    if (s.queueDepth !== undefined) {
      was.queueDepth = s.queueDepth;
      was.oldestQueuedAt = s.oldestQueuedAt ?? null;
    }
    if (s.clockOffsetMs !== undefined) was.clockOffsetMs = s.clockOffsetMs;
    if (s.version !== undefined) was.version = s.version;
  }

  /** Before a read that shows them: the list is as fresh as the requests (a failed write waits for the next flush). */
  private flushQuietly(): void {
    try {
      this.flushSightings();
    } catch {
      // The timer's flush reports it.
    }
  }

  /** Writes the sightings noted since the last flush; returns how many agents it wrote. */
  flushSightings(): number {
    if (this.sightings.size === 0) return 0;
    const pending = [...this.sightings];
    this.sightings.clear();
    try {
      this.store.transaction(() => {
        for (const [id, s] of pending) this.store.touch(id, s);
      });
    } catch (err) {
      // Kept for the next flush (a busy disk); a newer sighting of the same agent wins.
      for (const [id, s] of pending) if (!this.sightings.has(id)) this.sightings.set(id, s);
      throw err;
    }
    return pending.length;
  }
}
