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

/** Why a point says nothing about a channel now ("no data from <point>"). */
export type NoDataReason = 'agents_stale' | 'no_agents' | 'no_results';

/** One point's view of a channel as the API and the board show it. */
export interface PointDisplay {
  point: string;
  /** Inside the country the directory serves; null when the configuration no longer names the point. */
  domestic: boolean | null;
  status: ChannelStatus;
  since: number | null;
  reason: string | null;
  lastProbeId: number | null;
  lastProbeAt: number | null;
  lastOutcome: Outcome | null;
  lastReason: string | null;
  lastDetail: string | null;
  /** The agent whose result was the point's latest (null for central). */
  agent: { id: string; name: string | null } | null;
  /** Null when the point has a say; else why it has none (its agents are stale, it has none, or no verdict yet). */
  noData: NoDataReason | null;
}

/** A channel probed from several points: what each saw, and the flags of their combination. */
export interface ChannelVantageView {
  flags: string[];
  points: PointDisplay[];
}

/** The configured points of a channel (registry list or vantage.defaults), when the caller knows the configuration. */
export type PointsOf = (channelId: string, channelType: string) => readonly { name: string; domestic: boolean }[];

/** An agent's probe as the history shows it: who, when it arrived, and whether it came late. */
export interface ProbeVantageView {
  point: string;
  agentId: string;
  agentName: string | null;
  receivedAt: number | null;
  /** Received more than one job interval after its slot (after the slot's lease window closed); null when that window is no longer known. */
  late: boolean | null;
  /** Agent clock minus central clock, when the times were corrected by it. */
  clockOffsetMs: number | null;
}

/** A point's view as read from vantage_state. */
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
  private readonly agentName: (id: string) => string | null;
  private readonly slotExpiry: (ref: number, method: string, point: string, slotAt: number) => number | null;

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
    const views = db.prepare<[{ center: string | null; channel: string | null }], PointView>(
      `SELECT c.id AS channelId, v.vantage AS point, v.status, v.status_since AS since, v.status_reason AS reason, v.last_probe_id AS lastProbeId,
         v.last_probe_at AS lastProbeAt, v.last_outcome AS lastOutcome, v.last_reason AS lastReason, v.last_detail AS lastDetail,
         v.last_agent_id AS lastAgentId, a.name AS lastAgentName
       FROM vantage_state v JOIN channels c ON c.ref = v.channel_ref LEFT JOIN agents a ON a.id = v.last_agent_id
       WHERE (@center IS NULL OR c.center_id = @center) AND (@channel IS NULL OR c.id = @channel) ORDER BY c.ref, v.vantage`,
    );
    this.viewsOf = (centerId, channelId) => views.all({ center: centerId, channel: channelId });
    const fresh = db.prepare<[], { vantage: string; fresh: number; live: number }>(
      `SELECT vantage, SUM(stale_since IS NULL AND last_seen_at IS NOT NULL) AS fresh, COUNT(*) AS live
       FROM agents WHERE revoked_at IS NULL AND enrolled_at IS NOT NULL GROUP BY vantage`,
    );
    this.freshness = () => fresh.all();
    const name = db.prepare<[string], { name: string }>('SELECT name FROM agents WHERE id = ?');
    this.agentName = (id) => name.get(id)?.name ?? null;
    const expiry = db.prepare<[number, string, string, number], { expires_at: number }>(
      'SELECT expires_at FROM agent_jobs WHERE channel_ref = ? AND method = ? AND vantage = ? AND slot_at = ? LIMIT 1',
    );
    this.slotExpiry = (ref, method, point, slotAt) => expiry.get(ref, method, point, slotAt)?.expires_at ?? null;
  }

  /**
   * Each channel's per-point view, for the channels that are seen from several points (rows here, a
   * combination flag, or a configured list other than `central` alone). `flagsOf` gives a channel's
   * stored vantage_flags.
   */
  displays(channels: readonly { id: string; type: string; vantageFlags: string | null }[], filter: { centerId?: string; channelId?: string }, pointsOf?: PointsOf): Map<string, ChannelVantageView> {
    const rows = new Map<string, PointView[]>();
    for (const v of this.views(filter)) rows.set(v.channelId, [...(rows.get(v.channelId) ?? []), v]);
    const { stale, withAgents } = this.silentPoints();
    const out = new Map<string, ChannelVantageView>();
    for (const ch of channels) {
      const have = rows.get(ch.id) ?? [];
      const configured = pointsOf?.(ch.id, ch.type) ?? [];
      const multi = have.length > 0 || ch.vantageFlags !== null || configured.length > 1 || configured.some((p) => p.name !== 'central');
      if (!multi) continue;
      const names = [...new Set([...configured.map((p) => p.name), ...have.map((r) => r.point)])];
      const points = names.map((point): PointDisplay => {
        const r = have.find((x) => x.point === point);
        const conf = configured.find((p) => p.name === point);
        const status = r?.status ?? 'unknown';
        const noData: NoDataReason | null =
          point !== 'central' && !withAgents.has(point) ? 'no_agents' : stale.has(point) ? 'agents_stale' : status === 'unknown' || status === 'not_probed' ? 'no_results' : null;
        return {
          point,
          domestic: conf ? conf.domestic : null,
          status,
          since: r?.since ?? null,
          reason: r?.reason ?? null,
          lastProbeId: r?.lastProbeId ?? null,
          lastProbeAt: r?.lastProbeAt ?? null,
          lastOutcome: r?.lastOutcome ?? null,
          lastReason: r?.lastReason ?? null,
          lastDetail: r?.lastDetail ?? null,
          agent: r?.lastAgentId ? { id: r.lastAgentId, name: r.lastAgentName } : null,
          noData,
        };
      });
      out.set(ch.id, { flags: ch.vantageFlags ? ch.vantageFlags.split(',') : [], points });
    }
    return out;
  }

  /** Who made a stored probe, from its columns and its evidence's vantage block; null for the central's own. */
  probeVantage(p: { channel_ref: number; method: string; due_at: number; vantage: string | null; agent_id: string | null }, evidence: unknown): ProbeVantageView | null {
    if (p.vantage === null || p.agent_id === null) return null;
    const block = (evidence as { vantage?: { receivedAt?: unknown; clockOffsetMs?: unknown } } | null)?.vantage;
    const receivedAt = typeof block?.receivedAt === 'number' ? block.receivedAt : null;
    const expires = this.slotExpiry(p.channel_ref, p.method, p.vantage, p.due_at);
    return {
      point: p.vantage,
      agentId: p.agent_id,
      agentName: this.agentName(p.agent_id),
      receivedAt,
      late: receivedAt === null || expires === null ? null : receivedAt > expires,
      clockOffsetMs: typeof block?.clockOffsetMs === 'number' ? block.clockOffsetMs : null,
    };
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
