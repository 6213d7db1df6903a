// Group commit for probe results. Each probe's row, its channel's new status and any status change
// are written in one transaction per batch, so status and history never disagree after a crash,
// and throughput does not hinge on one fsync per probe (WAL + synchronous=FULL costs ~0.2 ms/commit).

import { CLASSIFIER_VERSION } from '../classifier/classifier.ts';
import { OPT_OUT_REASON } from '../classifier/phone.ts';
import type { ChannelStatus, ProbeRecord } from '../domain.ts';
import { applyProbe, INITIAL_STATE, type ChannelStatusState, type StatusChange, type StatusRules } from '../status/policy.ts';
import type { DB } from './db.ts';
import { RollupWriter } from './rollups.ts';
import { ChainTail } from './chain.ts';
import { ChannelStatusStore, statusStateOf } from './channel-status.ts';
import type { ChannelStateRow } from './rows.ts';

export interface StoredProbe {
  probeId: number;
  channelId: string;
  record: ProbeRecord;
  change: StatusChange | null;
  /** The channel's status after this probe. */
  status: ChannelStatus;
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
  private readonly writeBatch: (batch: Pending[]) => (StoredProbe | null)[];
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
    this.forgetChannels = () => refs.clear();
    const afterBatchTx = db.transaction((stored: StoredProbe[]) => opts.afterBatch?.(stored));
    const rulesFor = typeof opts.rules === 'function' ? opts.rules : () => opts.rules as StatusRules;

    this.writeBatch = db.transaction((batch: Pending[]): (StoredProbe | null)[] => {
      const stored: (StoredProbe | null)[] = [];
      for (const p of batch) {
        const r = p.record;
        let channel = refs.get(r.channelId);
        if (channel === undefined) {
          // Channels are archived, never deleted, so this is a caller's bug; it must not poison the batch.
          channel = refOf.get(r.channelId);
          if (channel === undefined) {
            stored.push(null);
            continue;
          }
          refs.set(r.channelId, channel);
        }
        const ref = channel.ref;
        const c = r.classification;
        const flags = c.flags.length ? c.flags.join(',') : null;
        const content = [ref, r.dueAt, r.startedAt, r.durationMs, r.evidence.method, c.outcome, c.reason, flags, CLASSIFIER_VERSION, JSON.stringify(r.evidence)] as const;
        const link = probeChain.link(content);
        insertProbe.run(link.id, ...content, link.hash, link.prev);
        const probeId = link.id;
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
        const streakAttempts = overlaps ? 1 : attempts;
        const { state, change } = applyProbe(
          prev,
          {
            id: probeId, at: r.startedAt, outcome: c.outcome, reason: c.reason, detail: c.detail, confirming: c.confirming !== false,
            ...(r.slot ? { slot: r.slot } : {}),
            ...(streakAttempts > 1 ? { attempts: streakAttempts } : {}),
            ...(streakAttempts > 1 && r.first ? { firstAt: r.first.at, ...(r.first.slot ? { slots: [r.first.slot] } : {}) } : {}),
            ...(c.reason === OPT_OUT_REASON ? { optOut: true } : {}),
          },
          rulesFor(channel.type),
        );
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
          afterBatchTx(stored.filter((s): s is StoredProbe => s !== null));
        } catch (err) {
          opts.onAfterBatchError?.(err);
        }
      }
      return stored;
    });
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
        let stored: (StoredProbe | null)[];
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
          const s = stored[i];
          if (s) {
            ok.push(s);
            p.resolve(s);
          } else p.reject(new Error(`Unknown channel ${p.record.channelId}: it is not in the database.`));
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
