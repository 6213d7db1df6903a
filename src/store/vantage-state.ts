// Each vantage point's own view of a channel (`vantage_state`, migrations/0008): written by the
// ProbeWriter for channels probed from more than one point, read back by the API and the board to
// show which point saw what. The combination into channel_state is the pure combineVantage.

import type { ChannelStatus, Outcome } from '../domain.ts';
import type { ChannelStatusState } from '../status/policy.ts';
import type { DB } from './db.ts';
import type { VantageStateRow } from './rows.ts';

/** The status part of a point's row, as statusStateOf reads it, and what the writer needs besides. */
type PointRow = Pick<
  VantageStateRow,
  'vantage' | 'status' | 'status_since' | 'status_reason' | 'streak_outcome' | 'streak_count' | 'streak_probes' | 'streak_slots' | 'last_probe_at' | 'last_verified_at' | 'last_reachable_at'
>;

export interface PointWrite {
  ref: number;
  point: string;
  state: ChannelStatusState;
  probeId: number;
  at: number;
  outcome: Outcome;
  reason: string;
  detail: string;
  flags: string | null;
  verifiedAt: number | null;
  reachableAt: number | null;
  agentId: string | null;
}

/** A point's view as the API and the board show it. */
export interface PointView {
  channelId: string;
  point: string;
  status: ChannelStatus;
  since: number | null;
  reason: string | null;
  lastProbeId: number | null;
  lastProbeAt: number | null;
  lastOutcome: Outcome | null;
  lastReason: string | null;
  lastDetail: string | null;
  lastAgentId: string | null;
  lastAgentName: string | null;
}

export class VantageStateStore {
  private readonly readPoints: (ref: number) => PointRow[];
  private readonly upsert: (w: PointWrite) => void;
  private readonly seedStmt: (ref: number, point: string) => void;
  private readonly anyRow: (ref: number) => boolean;
  private readonly channelsOf: () => { ref: number; id: string; type: string }[];
  private readonly viewsOf: (centerId: string | null, channelId: string | null) => PointView[];
  private readonly freshness: () => { vantage: string; fresh: number; live: number }[];

  constructor(db: DB) {
    const read = db.prepare<[number], PointRow>(
      `SELECT vantage, status, status_since, status_reason, streak_outcome, streak_count, streak_probes, streak_slots, last_probe_at, last_verified_at, last_reachable_at
       FROM vantage_state WHERE channel_ref = ?`,
    );
    this.readPoints = (ref) => read.all(ref);
    const up = db.prepare(
      `INSERT INTO vantage_state (channel_ref, vantage, status, status_since, status_reason, streak_outcome, streak_count, streak_probes, streak_slots,
         last_probe_id, last_probe_at, last_outcome, last_reason, last_detail, last_flags, last_verified_at, last_reachable_at, last_agent_id)
       VALUES (@ref, @point, @status, @since, @statusReason, @streakOutcome, @streakCount, @streakProbes, @streakSlots,
         @probeId, @at, @outcome, @reason, @detail, @flags, @verifiedAt, @reachableAt, @agentId)
       ON CONFLICT(channel_ref, vantage) DO UPDATE SET
         status = excluded.status, status_since = excluded.status_since, status_reason = excluded.status_reason,
         streak_outcome = excluded.streak_outcome, streak_count = excluded.streak_count, streak_probes = excluded.streak_probes,
         streak_slots = excluded.streak_slots, last_probe_id = excluded.last_probe_id, last_probe_at = excluded.last_probe_at,
         last_outcome = excluded.last_outcome, last_reason = excluded.last_reason, last_detail = excluded.last_detail,
         last_flags = excluded.last_flags, last_verified_at = excluded.last_verified_at, last_reachable_at = excluded.last_reachable_at,
         last_agent_id = excluded.last_agent_id`,
    );
    this.upsert = (w) =>
      void up.run({
        ref: w.ref,
        point: w.point,
        status: w.state.status,
        since: w.state.statusSince,
        statusReason: w.state.statusReason,
        streakOutcome: w.state.streakOutcome,
        streakCount: w.state.streakCount,
        streakProbes: JSON.stringify(w.state.streakProbes),
        streakSlots: JSON.stringify(w.state.streakSlots),
        probeId: w.probeId,
        at: w.at,
        outcome: w.outcome,
        reason: w.reason,
        detail: w.detail,
        flags: w.flags,
        verifiedAt: w.verifiedAt,
        reachableAt: w.reachableAt,
        agentId: w.agentId,
      });
    // A channel that becomes multi-point keeps what the central learnt alone: channel_state was its view.
    const seed = db.prepare(
      `INSERT OR IGNORE INTO vantage_state (channel_ref, vantage, status, status_since, status_reason, streak_outcome, streak_count, streak_probes, streak_slots,
         last_probe_id, last_probe_at, last_outcome, last_reason, last_detail, last_flags, last_verified_at, last_reachable_at)
       SELECT channel_ref, ?, status, status_since, status_reason, streak_outcome, streak_count, streak_probes, streak_slots,
         last_probe_id, last_probe_at, last_outcome, last_reason, last_detail, last_flags, last_verified_at, last_reachable_at
       FROM channel_state WHERE channel_ref = ? AND last_probe_id IS NOT NULL`,
    );
    this.seedStmt = (ref, point) => void seed.run(point, ref);
    const any = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM vantage_state WHERE channel_ref = ? LIMIT 1');
    this.anyRow = (ref) => any.get(ref) !== undefined;
    const channels = db.prepare<[], { ref: number; id: string; type: string }>(
      'SELECT c.ref, c.id, c.type FROM channels c WHERE c.ref IN (SELECT DISTINCT channel_ref FROM vantage_state) AND c.archived_at IS NULL ORDER BY c.ref',
    );
    this.channelsOf = () => channels.all();
    const views = db.prepare<[string | null, string | null], PointView>(
      `SELECT c.id AS channelId, v.vantage AS point, v.status, v.status_since AS since, v.status_reason AS reason, v.last_probe_id AS lastProbeId,
         v.last_probe_at AS lastProbeAt, v.last_outcome AS lastOutcome, v.last_reason AS lastReason, v.last_detail AS lastDetail,
         v.last_agent_id AS lastAgentId, a.name AS lastAgentName
       FROM vantage_state v JOIN channels c ON c.ref = v.channel_ref LEFT JOIN agents a ON a.id = v.last_agent_id
       WHERE (?1 IS NULL OR c.center_id = ?1) AND (?2 IS NULL OR c.id = ?2) ORDER BY c.ref, v.vantage`,
    );
    this.viewsOf = (centerId, channelId) => views.all(centerId, channelId);
    const fresh = db.prepare<[], { vantage: string; fresh: number; live: number }>(
      `SELECT vantage, SUM(stale_since IS NULL AND last_seen_at IS NOT NULL) AS fresh, COUNT(*) AS live
       FROM agents WHERE revoked_at IS NULL AND enrolled_at IS NOT NULL GROUP BY vantage`,
    );
    this.freshness = () => fresh.all();
  }

  /** Every point's row of a channel. */
  points(ref: number): PointRow[] {
    return this.readPoints(ref);
  }

  write(w: PointWrite): void {
    this.upsert(w);
  }

  /** The first multi-point write of a channel: the central's single view becomes its `central` row. */
  seedFromChannel(ref: number, point: string): void {
    if (!this.anyRow(ref)) this.seedStmt(ref, point);
  }

  /** Channels (not archived) that have per-point rows: those a change of a point's freshness may recombine. */
  multiPointChannels(): { ref: number; id: string; type: string }[] {
    return this.channelsOf();
  }

  /** Per-point views, of one center's channels or one channel. */
  views(filter: { centerId?: string; channelId?: string }): PointView[] {
    return this.viewsOf(filter.centerId ?? null, filter.channelId ?? null);
  }

  /**
   * Points whose agents say nothing now: every enrolled, unrevoked agent is stale (or never called).
   * A point with no such agent at all is in `withoutAgents`. `central` is never listed.
   */
  silentPoints(): { stale: Set<string>; withAgents: Set<string> } {
    const stale = new Set<string>();
    const withAgents = new Set<string>();
    for (const r of this.freshness()) {
      withAgents.add(r.vantage);
      if (r.fresh === 0) stale.add(r.vantage);
    }
    return { stale, withAgents };
  }
}
