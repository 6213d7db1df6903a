// The slots of the jobs of non-central vantage points (docs/agents.md): the central scheduler opens a
// slot when a job of such a point is due, an agent of the point leases it, its result closes it. The
// lease is one conditional UPDATE … RETURNING (the pattern Healthchecks uses for its own queues), so two
// agents asking at once never get the same slot, and a lease that ran out (its agent died) lets
// another agent of the point take the slot, which it can do only while the slot has not expired.

import type { DB } from './db.ts';
import type { AgentJobRow, CenterRow, ChannelRow } from './rows.ts';

/** A due slot of a job of a non-central point, as the scheduler opens it. */
export interface SlotOpening {
  /** `<channel id>#<method>@<point>` */
  jobId: string;
  channelId: string;
  method: string;
  vantage: string;
  slotAt: number;
  /** After this the slot is missed and no longer leased: the job's next slot. */
  expiresAt: number;
  /** The job's next slot, remembered (job_slots) so a restart neither re-opens nor skips one. */
  nextSlotAt: number;
}

export type SlotOpened = 'opened' | 'already_open' | 'unknown_channel';

/** Who asks for jobs and what it can do. */
export interface LeaseAsk {
  agentId: string;
  vantage: string;
  /** The probe methods the agent has the capability for. */
  methods: readonly string[];
  /** Whether its line can dial national short codes (phone targets that are not E.164). */
  shortCodes: boolean;
  max: number;
  now: number;
  /** How long a lease of each method lasts (the probe's deadline plus the lease margin). */
  leaseMs: Readonly<Record<string, number>>;
}

/** A leased slot with the facts of its channel as they are now (its current target). */
export interface LeasedSlot {
  jobId: string;
  method: string;
  slotAt: number;
  leaseUntil: number;
  leases: number;
  channel: {
    ref: number;
    id: string;
    centerId: string;
    type: string;
    value: string;
    target: string;
    options: Record<string, unknown>;
    /** The center's time zone; null when the registry gives none (the caller's default applies). */
    tz: string | null;
  };
}

export type MissedSlot = Pick<AgentJobRow, 'job_id' | 'vantage' | 'slot_at' | 'leases' | 'agent_id'>;

/** Done and missed slots are kept this long (late results still find their slot), then deleted. */
export const AGENT_JOB_KEEP_MS = 7 * 86_400_000;

type LeasedRow = Pick<AgentJobRow, 'job_id' | 'channel_ref' | 'method' | 'slot_at' | 'lease_until' | 'leases'>;
type FactsRow = Pick<ChannelRow, 'ref' | 'id' | 'center_id' | 'type' | 'value' | 'target' | 'options'> & Pick<CenterRow, 'tz'>;

export class AgentJobs {
  private readonly db: DB;
  private readonly stmts;
  private readonly openMany: (slots: readonly SlotOpening[]) => SlotOpened[];
  private readonly leaseTx: (ask: LeaseAsk, first?: () => void) => LeasedSlot[];

  constructor(db: DB) {
    this.db = db;
    this.stmts = {
      refOf: db.prepare<[string], { ref: number }>('SELECT ref FROM channels WHERE id = ?'),
      insert: db.prepare<[Omit<SlotOpening, 'channelId' | 'nextSlotAt'> & { ref: number }]>(
        `INSERT INTO agent_jobs (job_id, channel_ref, method, vantage, slot_at, expires_at)
         VALUES (@jobId, @ref, @method, @vantage, @slotAt, @expiresAt) ON CONFLICT(job_id, slot_at) DO NOTHING`,
      ),
      remember: db.prepare<[string, number, number]>(
        `INSERT INTO job_slots (job_id, channel_ref, next_slot_at) VALUES (?, ?, ?)
         ON CONFLICT(job_id) DO UPDATE SET next_slot_at = excluded.next_slot_at`,
      ),
      // One statement: under SQLite's single writer the choice and the claim cannot be split by another
      // connection's lease. Only rows whose channel is listed (not archived), still has a target the
      // agent can dial, and whose lease is free or ran out, and whose slot has not expired.
      lease: db.prepare<[{ agent: string; vantage: string; methods: string; shortCodes: number; max: number; now: number; leaseMs: string; fallbackMs: number }], LeasedRow>(
        `UPDATE agent_jobs
         SET agent_id = @agent, leases = leases + 1,
             lease_until = @now + COALESCE(json_extract(@leaseMs, '$."' || method || '"'), @fallbackMs)
         WHERE id IN (
           SELECT j.id FROM agent_jobs j JOIN channels c ON c.ref = j.channel_ref
           WHERE j.vantage = @vantage AND j.done_at IS NULL AND j.expires_at > @now
             AND (j.lease_until IS NULL OR j.lease_until <= @now)
             AND j.method IN (SELECT value FROM json_each(@methods))
             AND c.archived_at IS NULL AND c.target IS NOT NULL
             AND (c.type <> 'phone' OR c.target LIKE '+%' OR @shortCodes = 1)
           ORDER BY j.slot_at, j.id LIMIT @max)
         RETURNING job_id, channel_ref, method, slot_at, lease_until, leases`,
      ),
      facts: db.prepare<[string], FactsRow>(
        `SELECT c.ref, c.id, c.center_id, c.type, c.value, c.target, c.options, ce.tz
         FROM channels c JOIN centers ce ON ce.id = c.center_id WHERE c.ref IN (SELECT value FROM json_each(?))`,
      ),
      get: db.prepare<[string, number], AgentJobRow>('SELECT * FROM agent_jobs WHERE job_id = ? AND slot_at = ?'),
      complete: db.prepare<[{ jobId: string; slotAt: number; probeId: number; now: number }]>(
        `UPDATE agent_jobs SET done_at = COALESCE(done_at, @now), probe_id = @probeId
         WHERE job_id = @jobId AND slot_at = @slotAt AND probe_id IS NULL`,
      ),
      expire: db.prepare<[number], MissedSlot>(
        `UPDATE agent_jobs SET done_at = expires_at WHERE done_at IS NULL AND expires_at <= ?
         RETURNING job_id, vantage, slot_at, leases, agent_id`,
      ),
      withdraw: db.prepare<[number, string, number]>(
        `UPDATE agent_jobs SET expires_at = MIN(expires_at, ?)
         WHERE job_id IN (SELECT value FROM json_each(?)) AND done_at IS NULL AND expires_at > ?`,
      ),
      capabilities: db.prepare<[], { vantage: string; capabilities: string }>(
        'SELECT vantage, capabilities FROM agents WHERE enrolled_at IS NOT NULL AND revoked_at IS NULL',
      ),
      prune: db.prepare<[number, number]>('DELETE FROM agent_jobs WHERE (done_at IS NOT NULL AND done_at < ?) OR expires_at < ?'),
    };
    this.openMany = db.transaction((slots: readonly SlotOpening[]) =>
      slots.map((s): SlotOpened => {
        const ref = this.stmts.refOf.get(s.channelId)?.ref;
        if (ref === undefined) return 'unknown_channel';
        const r = this.stmts.insert.run({ jobId: s.jobId, ref, method: s.method, vantage: s.vantage, slotAt: s.slotAt, expiresAt: s.expiresAt });
        this.stmts.remember.run(s.jobId, ref, s.nextSlotAt);
        return r.changes > 0 ? 'opened' : 'already_open';
      }),
    );
    const leaseTx = db.transaction((ask: LeaseAsk, first?: () => void): LeasedSlot[] => {
      first?.();
      if (ask.methods.length === 0 || ask.max < 1) return [];
      const rows = this.stmts.lease.all({
        agent: ask.agentId,
        vantage: ask.vantage,
        methods: JSON.stringify(ask.methods),
        shortCodes: ask.shortCodes ? 1 : 0,
        max: Math.floor(ask.max),
        now: ask.now,
        leaseMs: JSON.stringify(ask.leaseMs),
        // A method without a lease length still gets a finite lease, never an endless or an empty one.
        fallbackMs: Math.max(60_000, ...Object.values(ask.leaseMs)),
      });
      if (rows.length === 0) return [];
      const facts = new Map(this.stmts.facts.all(JSON.stringify([...new Set(rows.map((r) => r.channel_ref))])).map((f) => [f.ref, f]));
      return rows
        .sort((a, b) => a.slot_at - b.slot_at || (a.job_id < b.job_id ? -1 : 1))
        .map((r) => {
          const f = facts.get(r.channel_ref) as FactsRow;
          return {
            jobId: r.job_id,
            method: r.method,
            slotAt: r.slot_at,
            leaseUntil: r.lease_until as number,
            leases: r.leases,
            channel: {
              ref: f.ref,
              id: f.id,
              centerId: f.center_id,
              type: f.type,
              value: f.value,
              target: f.target as string,
              options: JSON.parse(f.options) as Record<string, unknown>,
              tz: f.tz,
            },
          };
        });
    });
    // IMMEDIATE: the write lock is taken before anything is read, so a lease never works from a snapshot
    // another connection's lease has already changed.
    this.leaseTx = (ask, first) => leaseTx.immediate(ask, first);
  }

  /**
   * Opens due slots in one transaction, each at most once (a restart or a second call for the same
   * slot changes nothing), and remembers each job's next slot.
   */
  openSlots(slots: readonly SlotOpening[]): SlotOpened[] {
    return slots.length === 0 ? [] : this.openMany(slots);
  }

  openSlot(slot: SlotOpening): SlotOpened {
    return this.openMany([slot])[0] as SlotOpened;
  }

  /**
   * Claims up to `ask.max` open slots of the agent's point that it can probe, oldest slot first.
   * `first` runs inside the same transaction, before the claim (the agent's heartbeat): one commit, one
   * sync to disk, per lease request.
   */
  lease(ask: LeaseAsk, first?: () => void): LeasedSlot[] {
    return this.leaseTx(ask, first);
  }

  /** The slot a result names, or undefined when no such slot was opened (or it was deleted long ago). */
  get(jobId: string, slotAt: number): AgentJobRow | undefined {
    return this.stmts.get.get(jobId, slotAt);
  }

  /**
   * Closes a slot with the probe its result became. Call in the ingest's transaction. A slot already
   * closed by another probe is left as it is (false); a missed slot records its late probe.
   */
  complete(jobId: string, slotAt: number, probeId: number, now: number): boolean {
    return this.stmts.complete.run({ jobId, slotAt, probeId, now }).changes > 0;
  }

  /** Closes the slots that expired unprobed (done, without a probe) and returns them, once each. */
  expireMissed(now: number): MissedSlot[] {
    return this.stmts.expire.all(now);
  }

  /** Open slots of jobs that no longer exist (the channel left the point's list): no longer leased after `now`. */
  withdraw(jobIds: readonly string[], now: number): number {
    return jobIds.length === 0 ? 0 : this.stmts.withdraw.run(now, JSON.stringify(jobIds), now).changes;
  }

  /** What the enrolled, not revoked agents of each point can do, together. */
  pointCapabilities(): Map<string, Set<string>> {
    const caps = new Map<string, Set<string>>();
    for (const r of this.stmts.capabilities.all()) {
      const set = caps.get(r.vantage) ?? new Set<string>();
      for (const c of JSON.parse(r.capabilities) as string[]) set.add(c);
      caps.set(r.vantage, set);
    }
    return caps;
  }

  /** Deletes slots closed or expired before `before`. */
  prune(before: number): number {
    return this.stmts.prune.run(before, before).changes;
  }
}
