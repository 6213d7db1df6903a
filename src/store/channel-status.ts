// The store's one writer of channel status changes. A probe's change (ProbeWriter) and a change that
// comes from the registry or from this installation (a target appeared, no prober here) are both
// decided by the pure policies in src/status/ and linked here into the status-change hash chain, so
// the history and the chain hold every change, `not_probed` included.

import { applyProbeability, type ProbeabilityEvent } from '../status/probeability.ts';
import type { ChannelStatusState, StatusChange, StreakProbe } from '../status/policy.ts';
import { ChainTail } from './chain.ts';
import type { DB } from './db.ts';
import type { ChannelStateRow } from './rows.ts';

type StateColumns = Pick<ChannelStateRow, 'status' | 'status_since' | 'status_reason' | 'streak_outcome' | 'streak_count' | 'streak_probes' | 'streak_slots'>;

export function statusStateOf(row: StateColumns): ChannelStatusState {
  return {
    status: row.status,
    statusSince: row.status_since,
    statusReason: row.status_reason,
    streakOutcome: row.streak_outcome,
    streakCount: row.streak_count,
    streakProbes: JSON.parse(row.streak_probes) as StreakProbe[],
    streakSlots: JSON.parse(row.streak_slots) as string[],
  };
}

export class ChannelStatusStore {
  /** The end of the status-change chain; the probe writer snapshots and restores it with its batches. */
  readonly chain: ChainTail;
  private readonly db: DB;
  private readonly insertChange: { run: (...args: (string | number)[]) => unknown };
  private readonly readById: { get: (id: string) => (StateColumns & { ref: number; target: string | null }) | undefined };
  private readonly writeState: { run: (p: Record<string, string | number | null>) => unknown };
  private readonly forgetPoints: (ref: number) => void;

  constructor(db: DB) {
    this.db = db;
    this.chain = new ChainTail(db, 'status_changes');
    const insert = db.prepare(
      `INSERT INTO status_changes (id, channel_ref, at, from_status, to_status, reason, probe_ids, evidence, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertChange = { run: (...args) => insert.run(...args) };
    const read = db.prepare<[string], StateColumns & { ref: number; target: string | null }>(
      `SELECT c.ref, c.target, s.status, s.status_since, s.status_reason, s.streak_outcome, s.streak_count, s.streak_probes, s.streak_slots
       FROM channels c JOIN channel_state s ON s.channel_ref = c.ref WHERE c.id = ?`,
    );
    this.readById = { get: (id) => read.get(id) };
    const write = db.prepare(
      `UPDATE channel_state SET status = @status, status_since = @since, status_reason = @reason, streak_outcome = @streakOutcome,
         streak_count = @streakCount, streak_probes = @streakProbes, streak_slots = @streakSlots,
         next_due_at = CASE WHEN @resetSlot = 1 THEN NULL ELSE next_due_at END
       WHERE channel_ref = @ref`,
    );
    this.writeState = { run: (p) => write.run(p) };
    const forget = db.prepare('DELETE FROM vantage_state WHERE channel_ref = ?');
    this.forgetPoints = (ref) => void forget.run(ref);
  }

  /** Links a change into the chain and stores it; call inside the transaction that writes the new state. */
  recordChange(ref: number, change: StatusChange): void {
    const row = [ref, change.at, change.from, change.to, change.reason, JSON.stringify(change.probes.map((x) => x.id)), JSON.stringify({ outcome: change.to, probes: change.probes })] as const;
    const l = this.chain.link(row);
    this.insertChange.run(l.id, ...row, l.hash, l.prev);
  }

  /**
   * Applies a change of probeability to one channel (inside the caller's transaction): the policy
   * decides, the state is written and any change joins the chain. Returns the change, if any.
   */
  applyProbeability(channelId: string, event: ProbeabilityEvent, at: number): StatusChange | null {
    const row = this.readById.get(channelId);
    if (!row) return null;
    // A prober cannot make a channel without a target probeable.
    if (event.kind === 'prober' && event.available && row.target === null) return null;
    const before = statusStateOf(row);
    const { state, change } = applyProbeability(before, event, at);
    if (state === before) return null;
    this.writeState.run({
      ref: row.ref,
      status: state.status,
      since: state.statusSince,
      reason: state.statusReason,
      streakOutcome: state.streakOutcome,
      streakCount: state.streakCount,
      streakProbes: JSON.stringify(state.streakProbes),
      streakSlots: JSON.stringify(state.streakSlots),
      // A new target is probed on a new rhythm.
      resetSlot: event.kind === 'target' ? 1 : 0,
    });
    if (change) this.recordChange(row.ref, change);
    // What each vantage point saw was about the old target too.
    if (event.kind === 'target') this.forgetPoints(row.ref);
    return change;
  }

  /** Runs `fn` in a transaction; if it rolls back, so does the chain's end. */
  transaction<T>(fn: () => T): T {
    const tail = this.chain.snapshot();
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      this.chain.restore(tail);
      throw err;
    }
  }

  /**
   * Channels none of whose jobs can run (no prober here, no agent of their points with the capability)
   * say "not probed" with what is missing; those that can run again return to unknown.
   */
  markProberAvailability(noProber: readonly { id: string; reason?: string }[], withProber: readonly string[], at: number): StatusChange[] {
    return this.transaction(() => {
      const changes: StatusChange[] = [];
      for (const { id, reason } of noProber) {
        const c = this.applyProbeability(id, { kind: 'prober', available: false, ...(reason !== undefined ? { reason } : {}) }, at);
        if (c) changes.push(c);
      }
      for (const id of withProber) {
        const c = this.applyProbeability(id, { kind: 'prober', available: true }, at);
        if (c) changes.push(c);
      }
      return changes;
    });
  }
}
