// Group commit for probe results. Each probe's row, its channel's new status and any status change
// are written in one transaction per batch, so status and history never disagree after a crash,
// and throughput does not hinge on one fsync per probe (WAL + synchronous=FULL costs ~0.2 ms/commit).

import { CENTRAL } from '../agents/config.ts';
import { canonicalJson } from '../agents/protocol.ts';
import { CLASSIFIER_VERSION } from '../classifier/classifier.ts';
import { OPT_OUT_REASON } from '../classifier/phone.ts';
import type { ChannelStatus, ProbeRecord, ProbeVantage } from '../domain.ts';
import { applyProbe, INITIAL_STATE, type ChannelStatusState, type ObservedProbe, type StatusChange, type StatusRules } from '../status/policy.ts';
import { combineVantage, flagsText, type CombinedVerdict, type PointState } from '../status/vantage.ts';
import type { DB } from './db.ts';
import { RollupWriter } from './rollups.ts';
import { ChainTail } from './chain.ts';
import { ChannelStatusStore, statusStateOf } from './channel-status.ts';
import type { ChannelStateRow } from './rows.ts';
import { VantageStateStore } from './vantage-state.ts';

export interface StoredProbe {
  probeId: number;
  channelId: string;
  record: ProbeRecord;
  change: StatusChange | null;
  /** The channel's status after this probe. */
  status: ChannelStatus;
  /**
   * An agent's result already stored for the same (agent, channel, method, slot): nothing was written
   * and no chain link was used; `probeId` is the stored probe's. Absent for every written probe.
   */
  duplicate?: true;
}

/**
 * What the writer needs to know about vantage points (docs/agents.md), handed in by the daemon so the
 * store holds no policy. Without it every channel is probed by the central alone: today's path.
 */
export interface VantageWiring {
  /** The points that probe a channel (its registry list, or vantage.defaults for its type). `central` alone: the single-point path. */
  pointsOf(channelId: string, channelType: string): readonly { name: string; domestic: boolean }[];
  /** True when every agent of the point is stale (vantage.stale_after); never asked about `central`. */
  isStale(point: string): boolean;
  /** vantage.quorum: 0, every counting point must agree on a failure; n, at least n must. */
  quorum: number;
}

/** A channel's combined status changed without a probe (a point's agents went stale or came back). */
export interface RecombinedChange {
  channelId: string;
  change: StatusChange;
}

/** Called inside the write transaction of a probe (e.g. to tie a call attempt to its probe). */
export type InTransaction = (probeId: number) => void;

export interface ProbeWriterOptions {
  /** Status rules per channel type (phones add the 2018 spread rule). */
  rules: StatusRules | ((channelType: string) => StatusRules);
  /** The time zone of centers without their own (for daily rollups). */
  defaultTz?: string;
  /** Flush when this many results are waiting. */
  batchMaxRows: number;
  /** Flush at least this often while results wait. */
  flushIntervalMs: number;
  /** Called inside each batch's transaction, after its rows (center status and alerts ride along). */
  afterBatch?: (stored: StoredProbe[]) => void;
  onAfterBatchError?: (err: unknown) => void;
  /** Called after each commit, outside the transaction (metrics, later alerts). */
  onCommitted?: (stored: StoredProbe[]) => void;
  /** Called when a batch cannot be written (disk full, I/O error). The batch is kept for a retry. */
  onError?: (err: unknown, pending: number) => void;
  /** Vantage points; absent: central only, no stale points. */
  vantage?: VantageWiring;
}

interface Pending {
  record: ProbeRecord;
  queuedAt: number;
  nextDueAt: number | null;
  inTransaction?: InTransaction;
  resolve: (stored: StoredProbe) => void;
  reject: (err: unknown) => void;
}

type StateRow = Pick<
  ChannelStateRow,
  'status' | 'status_since' | 'status_reason' | 'streak_outcome' | 'streak_count' | 'streak_probes' | 'streak_slots' | 'last_reachable_at' | 'last_verified_at' | 'last_probe_at'
>;

export class ProbeWriter {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;
  private readonly writeBatch: (batch: Pending[]) => (StoredProbe | Error)[];
  private readonly recombineTx: (at: number) => RecombinedChange[];
  private readonly heartbeatStmt: { run: (at: number) => unknown };
  private readonly chains: ChainTail[];
  /** The one writer of status changes: probes' changes and those from the registry or the probers here. */
  readonly status: ChannelStatusStore;
  /** Drops the cached channel facts (a registry sync may have changed a center's time zone). */
  readonly forgetChannels: () => void;
  /** Pending writes beyond this are refused: a full disk must not become an out-of-memory crash. */
  readonly maxQueue = 100_000;

  private readonly opts: ProbeWriterOptions;

  private readonly db: DB;

  constructor(db: DB, opts: ProbeWriterOptions) {
    this.opts = opts;
    this.db = db;
    const refOf = db.prepare<[string], { ref: number; type: string; centerId: string; tz: string | null }>(
      'SELECT c.ref, c.type, c.center_id AS centerId, ce.tz FROM channels c JOIN centers ce ON ce.id = c.center_id WHERE c.id = ?',
    );
    const rollups = new RollupWriter(db);
    const defaultTz = opts.defaultTz ?? 'UTC';
    // Each row is linked into its table's hash chain as it is written (src/store/chain.ts).
    const insertProbe = db.prepare(
      `INSERT INTO probes (id, channel_ref, due_at, started_at, duration_ms, method, outcome, reason, flags, classifier_version, evidence, hash, prev_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const probeChain = new ChainTail(db, 'probes');
    this.status = new ChannelStatusStore(db);
    const status = this.status;
    this.chains = [probeChain, status.chain];
    const readState = db.prepare<[number], StateRow>(
      `SELECT status, status_since, status_reason, streak_outcome, streak_count, streak_probes, streak_slots, last_reachable_at, last_verified_at
              , last_probe_at
       FROM channel_state WHERE channel_ref = ?`,
    );
    const upsertState = db.prepare(
      `INSERT INTO channel_state (channel_ref, status, status_since, status_reason, streak_outcome, streak_count, streak_probes, streak_slots,
         last_probe_id, last_probe_at, last_outcome, last_reason, last_detail, last_flags, last_verified_at, last_reachable_at, next_due_at,
         status_confirmed_at)
       VALUES (@ref, @status, @since, @statusReason, @streakOutcome, @streakCount, @streakProbes, @streakSlots,
         @probeId, @at, @outcome, @reason, @detail, @flags, @verifiedAt, @reachableAt, @nextDueAt, @confirmedAt)
       ON CONFLICT(channel_ref) DO UPDATE SET
         status = excluded.status, status_since = excluded.status_since, status_reason = excluded.status_reason,
         streak_outcome = excluded.streak_outcome, streak_count = excluded.streak_count, streak_probes = excluded.streak_probes,
         streak_slots = excluded.streak_slots,
         last_probe_id = excluded.last_probe_id, last_probe_at = excluded.last_probe_at, last_outcome = excluded.last_outcome,
         last_reason = excluded.last_reason, last_detail = excluded.last_detail, last_flags = excluded.last_flags,
         last_verified_at = excluded.last_verified_at, last_reachable_at = excluded.last_reachable_at,
         next_due_at = COALESCE(excluded.next_due_at, channel_state.next_due_at),
         status_confirmed_at = COALESCE(excluded.status_confirmed_at, channel_state.status_confirmed_at)`,
    );
    const upsertSlot = db.prepare(
      `INSERT INTO job_slots (job_id, channel_ref, next_slot_at) VALUES (?, ?, ?)
       ON CONFLICT(job_id) DO UPDATE SET next_slot_at = excluded.next_slot_at`,
    );
    const earliestSlot = db.prepare<[number], { at: number | null }>('SELECT MIN(next_slot_at) AS at FROM job_slots WHERE channel_ref = ?');
    const heartbeat = db.prepare<[number]>('INSERT INTO daemon_heartbeat (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at');
    this.heartbeatStmt = { run: (at) => heartbeat.run(at) };
    const refs = new Map<string, { ref: number; type: string; centerId: string; tz: string | null }>();
    // Whether a channel is seen from several points, per channel: asked once per registry sync, not per probe.
    const multiPoint = new Map<string, boolean>();
    this.forgetChannels = () => {
      refs.clear();
      multiPoint.clear();
    };
    const afterBatchTx = db.transaction((stored: StoredProbe[]) => opts.afterBatch?.(stored));
    const rulesFor = typeof opts.rules === 'function' ? opts.rules : () => opts.rules as StatusRules;

    // An agent's result (record.vantage) also names its point and agent in two columns beside the
    // chained content; its evidence carries the same `vantage` block, which the chain covers.
    const insertAgentProbe = db.prepare(
      `INSERT INTO probes (id, channel_ref, due_at, started_at, duration_ms, method, outcome, reason, flags, classifier_version, evidence, hash, prev_hash, vantage, agent_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const storedAgentProbe = db.prepare<[string, number, string, number], { id: number }>(
      'SELECT id FROM probes WHERE agent_id = ? AND channel_ref = ? AND method = ? AND due_at = ?',
    );
    const currentStatus = db.prepare<[number], { status: ChannelStatus }>('SELECT status FROM channel_state WHERE channel_ref = ?');
    const vantageStates = new VantageStateStore(db);
    const readFull = db.prepare<[number], ChannelStateRow>('SELECT * FROM channel_state WHERE channel_ref = ?');
    const upsertCombined = db.prepare(
      `INSERT INTO channel_state (channel_ref, status, status_since, status_reason, streak_outcome, streak_count, streak_probes, streak_slots,
         last_probe_id, last_probe_at, last_outcome, last_reason, last_detail, last_flags, last_verified_at, last_reachable_at, next_due_at,
         status_confirmed_at, vantage_flags)
       VALUES (@ref, @status, @since, @statusReason, @streakOutcome, @streakCount, @streakProbes, @streakSlots,
         @probeId, @at, @outcome, @reason, @detail, @flags, @verifiedAt, @reachableAt, @nextDueAt, @confirmedAt, @vantageFlags)
       ON CONFLICT(channel_ref) DO UPDATE SET
         status = excluded.status, status_since = excluded.status_since, status_reason = excluded.status_reason,
         streak_outcome = excluded.streak_outcome, streak_count = excluded.streak_count, streak_probes = excluded.streak_probes,
         streak_slots = excluded.streak_slots,
         last_probe_id = excluded.last_probe_id, last_probe_at = excluded.last_probe_at, last_outcome = excluded.last_outcome,
         last_reason = excluded.last_reason, last_detail = excluded.last_detail, last_flags = excluded.last_flags,
         last_verified_at = excluded.last_verified_at, last_reachable_at = excluded.last_reachable_at,
         next_due_at = COALESCE(excluded.next_due_at, channel_state.next_due_at),
         status_confirmed_at = COALESCE(excluded.status_confirmed_at, channel_state.status_confirmed_at),
         vantage_flags = excluded.vantage_flags`,
    );
    const writeCombined = db.prepare(
      `UPDATE channel_state SET status = @status, status_since = @since, status_reason = @statusReason, streak_outcome = @streakOutcome,
         streak_count = @streakCount, streak_probes = @streakProbes, streak_slots = @streakSlots, vantage_flags = @vantageFlags,
         status_confirmed_at = COALESCE(@confirmedAt, status_confirmed_at)
       WHERE channel_ref = @ref`,
    );
    const vantage = opts.vantage;
    const quorum = vantage?.quorum ?? 0;
    const stale = (point: string): boolean => point !== CENTRAL && (vantage?.isStale(point) ?? false);

    /** Each point's state as combineVantage takes it, the written point's from `own`. */
    const pointStates = (channelId: string, type: string, ref: number, own?: { point: string; state: ChannelStatusState }) => {
      const rows = vantageStates.points(ref);
      const list = vantage?.pointsOf(channelId, type) ?? [{ name: CENTRAL, domestic: false }];
      const stateOf = (point: string): ChannelStatusState | null => {
        if (own?.point === point) return own.state;
        const row = rows.find((x) => x.vantage === point);
        return row ? statusStateOf(row) : null;
      };
      const states: PointState[] = list.map((pt) => {
        const st = stateOf(pt.name);
        return { point: pt.name, domestic: pt.domestic, stale: stale(pt.name), status: st?.status ?? 'unknown', since: st?.statusSince ?? null, reason: st?.statusReason ?? null };
      });
      return { states, stateOf };
    };

    /** The channel_state columns of a combination: status from the verdict, the streak of the point that decided it. */
    const combinedColumns = (ref: number, v: CombinedVerdict, decidingState: ChannelStatusState | null, row: ChannelStateRow | undefined, change: StatusChange | null) => {
      const streak = decidingState ?? (row ? statusStateOf(row) : INITIAL_STATE);
      return {
        ref,
        status: v.status,
        since: v.since,
        statusReason: v.reason,
        streakOutcome: streak.streakOutcome,
        streakCount: streak.streakCount,
        streakProbes: JSON.stringify(streak.streakProbes),
        streakSlots: JSON.stringify(streak.streakSlots),
        confirmedAt: change ? change.at : null,
        vantageFlags: flagsText(v.flags),
      };
    };

    const combine = (ref: number, channelId: string, type: string, at: number, row: ChannelStateRow | undefined, own?: { point: string; state: ChannelStatusState }) => {
      const { states, stateOf } = pointStates(channelId, type, ref, own);
      const previous = row ? { status: row.status, since: row.status_since, reason: row.status_reason } : { status: 'unknown' as const, since: null, reason: null };
      const v = combineVantage(states, previous, quorum);
      const decidingState = v.deciding === null ? null : stateOf(v.deciding);
      const change: StatusChange | null =
        v.status === previous.status ? null : { from: previous.status, to: v.status, at, reason: v.reason ?? v.status, probes: decidingState?.streakProbes ?? [] };
      return { v, decidingState, change };
    };

    /**
     * A probe of a channel seen from several points (or any agent's probe): the point's own state
     * follows applyProbe exactly as a single daemon's would; the channel's is their combination.
     */
    const writeFromPoint = (p: Pending, ref: number, channel: { type: string }, probeId: number, observed: ObservedProbe, nextDueAt: number | null): StoredProbe => {
      const r = p.record;
      const c = r.classification;
      const point = r.vantage?.point ?? CENTRAL;
      const own = vantageStates.points(ref).find((x) => x.vantage === point);
      const row = readFull.get(ref);
      // Late for its point (another agent of the point already reported a later slot, or the result
      // was held in an agent's outbox): history, not the present, as for a single daemon.
      if (own?.last_probe_at != null && r.startedAt < own.last_probe_at) {
        return { probeId, channelId: r.channelId, record: r, change: null, status: row?.status ?? 'unknown' };
      }
      const prev = own ? statusStateOf(own) : INITIAL_STATE;
      const { state } = applyProbe(prev, observed, rulesFor(channel.type));
      const informative = c.outcome !== 'error' && c.confirming !== false;
      const flags = c.flags.length ? c.flags.join(',') : null;
      vantageStates.write({
        ref, point, state, probeId, at: r.startedAt, outcome: c.outcome, reason: c.reason, detail: c.detail, flags,
        verifiedAt: informative ? r.startedAt : (own?.last_verified_at ?? null),
        reachableAt: c.outcome === 'reachable' ? r.startedAt : (own?.last_reachable_at ?? null),
        agentId: r.vantage?.agentId ?? null,
      });
      const { v, decidingState, change } = combine(ref, r.channelId, channel.type, r.startedAt, row, { point, state });
      // The "last probe" fields follow time order across points: a point's fresh result may still be
      // older than another point's latest.
      const newest = row?.last_probe_at == null || r.startedAt >= row.last_probe_at;
      upsertCombined.run({
        ...combinedColumns(ref, v, decidingState, row, change),
        probeId: newest ? probeId : (row?.last_probe_id ?? null),
        at: newest ? r.startedAt : (row?.last_probe_at ?? null),
        outcome: newest ? c.outcome : (row?.last_outcome ?? null),
        reason: newest ? c.reason : (row?.last_reason ?? null),
        detail: newest ? c.detail : (row?.last_detail ?? null),
        flags: newest ? flags : (row?.last_flags ?? null),
        verifiedAt: informative ? Math.max(r.startedAt, row?.last_verified_at ?? -Infinity) : (row?.last_verified_at ?? null),
        reachableAt: c.outcome === 'reachable' ? Math.max(r.startedAt, row?.last_reachable_at ?? -Infinity) : (row?.last_reachable_at ?? null),
        nextDueAt,
      });
      if (change) status.recordChange(ref, change);
      return { probeId, channelId: r.channelId, record: r, change, status: v.status };
    };

    this.recombineTx = (at: number): RecombinedChange[] =>
      status.transaction(() => {
        const changes: RecombinedChange[] = [];
        for (const ch of vantageStates.multiPointChannels()) {
          const row = readFull.get(ch.ref);
          if (!row) continue;
          const { v, decidingState, change } = combine(ch.ref, ch.id, ch.type, at, row);
          if (!change && flagsText(v.flags) === row.vantage_flags && v.reason === row.status_reason) continue;
          writeCombined.run(combinedColumns(ch.ref, v, decidingState ?? statusStateOf(row), row, change));
          if (change) {
            status.recordChange(ch.ref, change);
            changes.push({ channelId: ch.id, change });
          }
        }
        return changes;
      });

    this.writeBatch = db.transaction((batch: Pending[]): (StoredProbe | Error)[] => {
      const stored: (StoredProbe | Error)[] = [];
      for (const p of batch) {
        const r = p.record;
        let channel = refs.get(r.channelId);
        if (channel === undefined) {
          // Channels are archived, never deleted, so this is a caller's bug; it must not poison the batch.
          channel = refOf.get(r.channelId);
          if (channel === undefined) {
            stored.push(new Error(`Unknown channel ${r.channelId}: it is not in the database.`));
            continue;
          }
          refs.set(r.channelId, channel);
        }
        const ref = channel.ref;
        const c = r.classification;
        const flags = c.flags.length ? c.flags.join(',') : null;
        let probeId: number;
        if (r.vantage) {
          const evidence = evidenceWithVantage(r.evidence, r.vantage);
          if (evidence instanceof Error) {
            stored.push(evidence);
            continue;
          }
          // Pushed twice (a lost reply, a retried batch, two agents of a point after a lease expired
          // on the same slot): stored once; the caller learns it was a duplicate.
          const before = storedAgentProbe.get(r.vantage.agentId, ref, r.evidence.method, r.dueAt);
          if (before) {
            stored.push({ probeId: before.id, channelId: r.channelId, record: r, change: null, status: currentStatus.get(ref)?.status ?? 'unknown', duplicate: true });
            continue;
          }
          const content = [ref, r.dueAt, r.startedAt, r.durationMs, r.evidence.method, c.outcome, c.reason, flags, CLASSIFIER_VERSION, evidence] as const;
          const link = probeChain.link(content);
          insertAgentProbe.run(link.id, ...content, link.hash, link.prev, r.vantage.point, r.vantage.agentId);
          probeId = link.id;
        } else {
          const content = [ref, r.dueAt, r.startedAt, r.durationMs, r.evidence.method, c.outcome, c.reason, flags, CLASSIFIER_VERSION, JSON.stringify(r.evidence)] as const;
          const link = probeChain.link(content);
          insertProbe.run(link.id, ...content, link.hash, link.prev);
          probeId = link.id;
        }
        // A record of several calls counts as each of them, at its own time (the last call's).
        const attempts = Math.max(1, c.attempts ?? 1);
        rollups.add(ref, channel.centerId, channel.tz ?? defaultTz, r.startedAt, c.outcome, attempts);
        p.inTransaction?.(probeId);
        // The scheduler's memory. A website has one job, so its next slot lives in channel_state (no
        // extra write on the hot path); a phone's jobs (lookup, call) each keep theirs in job_slots.
        let nextDueAt: number | null = null;
        if (r.jobId && p.nextDueAt !== null) {
          if (channel.type === 'website') nextDueAt = p.nextDueAt;
          else {
            upsertSlot.run(r.jobId, ref, p.nextDueAt);
            nextDueAt = earliestSlot.get(ref)?.at ?? null;
          }
        }
        // Seen from several points, or an agent's: per-point states and their combination. A channel
        // probed by the central alone goes on below, exactly as before vantage points existed.
        let multi = multiPoint.get(r.channelId);
        if (multi === undefined) {
          const points = vantage?.pointsOf(r.channelId, channel.type) ?? [];
          multi = points.length > 1 || points.some((pt) => pt.name !== CENTRAL);
          multiPoint.set(r.channelId, multi);
        }
        if (r.vantage || multi) {
          // The channel's history so far was the central's alone: it becomes the central's row.
          vantageStates.seedFromChannel(ref, CENTRAL);
          const last = vantageStates.points(ref).find((x) => x.vantage === (r.vantage?.point ?? CENTRAL));
          const overlapsPoint = r.first !== undefined && last?.last_probe_at != null && r.first.at < last.last_probe_at;
          stored.push(writeFromPoint(p, ref, channel, probeId, observedOf(probeId, r, overlapsPoint ? 1 : attempts), nextDueAt));
          continue;
        }
        const row = readState.get(ref);
        // A record older than the channel's latest probe (a manual call written down later) joins the
        // history but does not rewrite the present: the status and "last" fields follow time order.
        if (row?.last_probe_at != null && r.startedAt < row.last_probe_at) {
          stored.push({ probeId, channelId: r.channelId, record: r, change: null, status: row.status });
          continue;
        }
        const prev: ChannelStatusState = row ? statusStateOf(row) : INITIAL_STATE;
        // A record of several calls whose first call came before the channel's latest stored probe
        // overlaps other evidence: which of its calls followed that probe is unknown, so the status
        // counts only the last one (its time is known). Its evidence and the figures keep all of them.
        const overlaps = r.first !== undefined && row?.last_probe_at != null && r.first.at < row.last_probe_at;
        const { state, change } = applyProbe(prev, observedOf(probeId, r, overlaps ? 1 : attempts), rulesFor(channel.type));
        const informative = c.outcome !== 'error' && c.confirming !== false;
        upsertState.run({
          ref,
          status: state.status,
          since: state.statusSince,
          statusReason: state.statusReason,
          streakOutcome: state.streakOutcome,
          streakCount: state.streakCount,
          streakProbes: JSON.stringify(state.streakProbes),
          streakSlots: JSON.stringify(state.streakSlots),
          probeId,
          at: r.startedAt,
          outcome: c.outcome,
          reason: c.reason,
          detail: c.detail,
          flags,
          verifiedAt: informative ? r.startedAt : (row?.last_verified_at ?? null),
          reachableAt: c.outcome === 'reachable' ? r.startedAt : (row?.last_reachable_at ?? null),
          nextDueAt,
          confirmedAt: change ? change.at : null,
        });
        if (change) status.recordChange(ref, change);
        stored.push({ probeId, channelId: r.channelId, record: r, change, status: state.status });
      }
      if (opts.afterBatch) {
        // In a savepoint: a fault in status or alert bookkeeping rolls back only that part and is
        // reported; it must never keep the probes themselves from being stored.
        try {
          afterBatchTx(stored.filter((s): s is StoredProbe => !(s instanceof Error) && s.duplicate === undefined));
        } catch (err) {
          opts.onAfterBatchError?.(err);
        }
      }
      return stored;
    });
  }

  /**
   * Combines again the status of every channel seen from several points, without a probe: call it when
   * a point's agents become stale or are heard again (the agents' health timer). Returns the changes,
   * already chained into status_changes, so the caller can have the centers evaluated.
   */
  recombineVantage(at: number): RecombinedChange[] {
    return this.recombineTx(at);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** When (performance.now()) the oldest result still waiting for the disk was queued; null when none waits. */
  get oldestPendingAt(): number | null {
    return this.queue[0]?.queuedAt ?? null;
  }

  /** One small committed write, so an idle daemon still learns whether the disk takes writes. Throws if it does not. */
  heartbeat(now: number): void {
    this.heartbeatStmt.run(now);
  }

  /** Queues a result; resolves once it is committed. `nextDueAt` is the scheduler's memory. */
  add(record: ProbeRecord, nextDueAt: number | null = null, inTransaction?: InTransaction): Promise<StoredProbe> {
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new Error(`The probe write queue is full (${this.maxQueue} results): the database is not accepting writes.`));
    }
    return new Promise((resolve, reject) => {
      // Monotonic: a stall is real time, whatever the wall clock does (NTP steps, the demo's fast clock).
      this.queue.push({ record, queuedAt: performance.now(), nextDueAt, resolve, reject, ...(inTransaction ? { inTransaction } : {}) });
      if (this.queue.length >= this.opts.batchMaxRows) queueMicrotask(() => this.flush());
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.flushIntervalMs);
    });
  }

  /** Writes everything queued now. Returns how many results were committed. */
  flush(): number {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing || this.queue.length === 0) return 0;
    this.flushing = true;
    let committed = 0;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, this.opts.batchMaxRows);
        let stored: (StoredProbe | Error)[];
        const tails = this.chains.map((c) => c.snapshot());
        try {
          stored = this.writeBatch(batch);
        } catch (err) {
          // Rolled back: so are the chain links made for it. If another writer moved a chain's end
          // (a second daemon on the same file, a restored backup), read the ends again rather than
          // failing on the same id forever.
          this.chains.forEach((c, i) => c.restore(tails[i] as { id: number; hash: string }));
          if (/UNIQUE constraint failed: (probes|status_changes)\.id/.test(String((err as Error)?.message))) {
            try {
              for (const c of this.chains) c.reload(this.db);
            } catch {
              // The next retry reports the error again.
            }
          }
          // The transaction rolled back; keep the batch queued and retry later (disk full may clear).
          this.opts.onError?.(err, this.queue.length);
          if (!this.timer) this.timer = setTimeout(() => this.flush(), Math.max(1000, this.opts.flushIntervalMs));
          return committed;
        }
        this.queue.splice(0, batch.length);
        committed += batch.length;
        const ok: StoredProbe[] = [];
        batch.forEach((p, i) => {
          const s = stored[i] as StoredProbe | Error;
          if (s instanceof Error) p.reject(s);
          else {
            // A duplicate changed nothing: its caller learns so, the commit's listeners never see it.
            if (s.duplicate === undefined) ok.push(s);
            p.resolve(s);
          }
        });
        this.opts.onCommitted?.(ok);
      }
    } finally {
      this.flushing = false;
    }
    return committed;
  }

  /** Flushes and stops the timer; results that still cannot be written are rejected. */
  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.queue.splice(0)) p.reject(new Error('The probe writer closed before this result could be written.'));
  }
}

/** The status policy's view of a record; `attempts` is how many of its attempts count for the streak. */
function observedOf(probeId: number, r: ProbeRecord, attempts: number): ObservedProbe {
  const c = r.classification;
  return {
    id: probeId, at: r.startedAt, outcome: c.outcome, reason: c.reason, detail: c.detail, confirming: c.confirming !== false,
    ...(r.slot ? { slot: r.slot } : {}),
    ...(attempts > 1 ? { attempts } : {}),
    ...(attempts > 1 && r.first ? { firstAt: r.first.at, ...(r.first.slot ? { slots: [r.first.slot] } : {}) } : {}),
    ...(c.reason === OPT_OUT_REASON ? { optOut: true } : {}),
  };
}

/**
 * The stored evidence of an agent's result: its raw evidence with the `vantage` block that says who
 * made it, so the hash chain covers it. The one place the block is checked: a record whose evidence
 * already carries a different block is refused (a caller's bug), one without gets it added.
 */
export function evidenceWithVantage(evidence: ProbeRecord['evidence'], v: ProbeVantage): string | Error {
  const block = { ...v };
  if (evidence.vantage !== undefined && canonicalJson(evidence.vantage) !== canonicalJson(block)) {
    return new Error(`The evidence's vantage block does not match the record's vantage (point ${v.point}, agent ${v.agentId}): it was not stored.`);
  }
  return JSON.stringify({ ...evidence, vantage: evidence.vantage ?? block });
}

