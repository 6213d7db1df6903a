// Read side of the store: what the API and CLI show. Statements are prepared once per database.

import type { DB } from './db.ts';
import { VantageStateStore, type ChannelVantageView, type PointDisplay, type PointsOf, type ProbeVantageView } from './vantage-state.ts';
import type { CenterRow, CenterStateRow, CenterStatusChangeRow, ChannelRow, ChannelStateRow, IncidentRow, ProbeRow, StatusChangeRow } from './rows.ts';

export interface ChannelView {
  id: string;
  type: string;
  value: string;
  target: string | null;
  probeable: boolean;
  unprobeableReason: string | null;
  archived: boolean;
  status: string;
  statusSince: string | null;
  statusReason: string | null;
  lastOutcome: string | null;
  lastReason: string | null;
  lastDetail: string | null;
  lastFlags: string[];
  lastProbeAt: string | null;
  lastVerifiedAt: string | null;
  lastReachableAt: string | null;
  nextDueAt: string | null;
  confirming: { outcome: string; count: number } | null;
  /** Only for a channel seen from several vantage points: what each point saw and the combination's flags. */
  vantage?: VantageView;
}

export interface VantageView {
  flags: string[];
  points: (Omit<PointDisplay, 'since' | 'lastProbeAt'> & { since: string | null; lastProbeAt: string | null })[];
}

export interface CenterView {
  id: string;
  name: string;
  kind: string;
  city: string | null;
  region: string | null;
  tz: string | null;
  archived: boolean;
  /** Derived from the channels (src/status/center.ts): reachable, partial, dark, unknown, opted_out. */
  status: string;
  statusSince: string | null;
  openIncidentId: number | null;
  channels: ChannelView[];
}

export interface IncidentView {
  id: number;
  centerId: string;
  openedAt: string;
  closedAt: string | null;
  status: string;
  worstStatus: string;
  wentDarkAt: string | null;
  closeReason: string | null;
  maintenanceId: number | null;
  openEvidence: unknown;
  closeEvidence: unknown;
}

export interface CenterStatusChangeView {
  id: number;
  at: string;
  from: string;
  to: string;
  incidentId: number | null;
  maintenanceId: number | null;
  evidence: unknown;
}

export interface ProbeView {
  id: number;
  startedAt: string;
  dueAt: string;
  durationMs: number;
  method: string;
  outcome: string;
  reason: string;
  flags: string[];
  classifierVersion: number;
  evidence: unknown;
  /** Only for a probe made by a regional agent. */
  vantage?: Omit<ProbeVantageView, 'receivedAt'> & { receivedAt: string | null };
}

export interface ProbePage {
  channelId: string;
  probes: ProbeView[];
  nextCursor: string | null;
}

export interface StatusChangeView {
  id: number;
  at: string;
  from: string;
  to: string;
  reason: string | null;
  probeIds: number[];
  evidence: unknown;
}

/** A row of the probes table as the read side selects it (without its chain link). */
export type UnchainedProbeRow = Omit<ProbeRow, 'hash' | 'prev_hash'>;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const flagsOf = (f: string | null): string[] => (f ? f.split(',') : []);

/** A channel with its state (LEFT JOIN: the state columns are null before the first sync gave it a row). */
type ChannelWithState = Pick<ChannelRow, 'ref' | 'id' | 'center_id' | 'type' | 'value' | 'target' | 'unprobeable_reason' | 'archived_at'> & {
  [K in 'status' | 'status_since' | 'status_reason' | 'streak_outcome' | 'streak_count' | 'last_outcome' | 'last_reason' | 'last_detail' | 'last_flags' | 'last_probe_at' | 'last_verified_at' | 'last_reachable_at' | 'next_due_at' | 'vantage_flags']: ChannelStateRow[K] | null;
};

function vantageView(v: ChannelVantageView): VantageView {
  return { flags: v.flags, points: v.points.map((p) => ({ ...p, since: iso(p.since), lastProbeAt: iso(p.lastProbeAt) })) };
}

/** A center with its state (LEFT JOIN, state columns renamed). */
type CenterWithState = Pick<CenterRow, 'id' | 'name' | 'kind' | 'city' | 'region' | 'tz' | 'archived_at'> & {
  center_status: CenterStateRow['status'] | null;
  center_since: CenterStateRow['since'] | null;
  incident_id: CenterStateRow['incident_id'];
};

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export function encodeCursor(startedAt: number, id: number): string {
  return Buffer.from(`${startedAt}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { startedAt: number; id: number } {
  const m = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new InvalidCursorError('cursor is not a value returned as nextCursor by this API');
  return { startedAt: Number(m[1]), id: Number(m[2]) };
}

export class Queries {
  private readonly centersStmt;
  private readonly centerStmt;
  private readonly channelsStmt;
  private readonly channelsOfStmt;
  private readonly channelRefStmt;
  private readonly changesStmt;

  private readonly db: DB;
  private readonly vantage: VantageStateStore;
  private readonly pointsOf: PointsOf | undefined;

  /** `pointsOf`: each channel's configured vantage points, so a point that never reported shows as "no data". */
  constructor(db: DB, opts: { pointsOf?: PointsOf } = {}) {
    this.db = db;
    this.vantage = new VantageStateStore(db);
    this.pointsOf = opts.pointsOf;
    const channelSelect = `SELECT c.ref, c.id, c.center_id, c.type, c.value, c.target, c.unprobeable_reason, c.archived_at,
        s.status, s.status_since, s.status_reason, s.streak_outcome, s.streak_count, s.last_outcome, s.last_reason, s.last_detail,
        s.last_flags, s.last_probe_at, s.last_verified_at, s.last_reachable_at, s.next_due_at, s.vantage_flags
      FROM channels c LEFT JOIN channel_state s ON s.channel_ref = c.ref`;
    const centerSelect = `SELECT c.id, c.name, c.kind, c.city, c.region, c.tz, c.archived_at,
        cs.status AS center_status, cs.since AS center_since, cs.incident_id
      FROM centers c LEFT JOIN center_state cs ON cs.center_id = c.id`;
    this.centersStmt = db.prepare<[number], CenterWithState>(
      `${centerSelect} WHERE (? = 1 OR c.archived_at IS NULL) ORDER BY c.region IS NULL, c.region, c.name`,
    );
    this.centerStmt = db.prepare<[string], CenterWithState>(`${centerSelect} WHERE c.id = ?`);
    this.channelsStmt = db.prepare<[number], ChannelWithState>(`${channelSelect} WHERE (? = 1 OR c.archived_at IS NULL) ORDER BY c.center_id, c.position`);
    this.channelsOfStmt = db.prepare<[string, number], ChannelWithState>(`${channelSelect} WHERE c.center_id = ? AND (? = 1 OR c.archived_at IS NULL) ORDER BY c.position`);
    this.channelRefStmt = db.prepare<[string], { ref: number }>('SELECT ref FROM channels WHERE id = ?');
    this.changesStmt = db.prepare<[number, number, number], Pick<StatusChangeRow, 'id' | 'at' | 'from_status' | 'to_status' | 'reason' | 'probe_ids' | 'evidence'>>(
      'SELECT id, at, from_status, to_status, reason, probe_ids, evidence FROM status_changes WHERE channel_ref = ? AND id < ? ORDER BY id DESC LIMIT ?',
    );
  }

  private vantageOf(rows: readonly ChannelWithState[], filter: { centerId?: string }): Map<string, ChannelVantageView> {
    return this.vantage.displays(rows.map((r) => ({ id: r.id, type: r.type, vantageFlags: r.vantage_flags })), filter, this.pointsOf);
  }

  private channelView(r: ChannelWithState, vantage?: ChannelVantageView): ChannelView {
    const needsMore = r.streak_outcome !== null && r.streak_outcome !== r.status && r.streak_outcome !== 'error';
    return {
      id: r.id,
      type: r.type,
      value: r.value,
      target: r.target,
      probeable: r.target !== null,
      unprobeableReason: r.unprobeable_reason,
      archived: r.archived_at !== null,
      status: r.status ?? (r.target === null ? 'not_probed' : 'unknown'),
      statusSince: iso(r.status_since),
      statusReason: r.target === null ? r.unprobeable_reason : r.status_reason,
      lastOutcome: r.last_outcome,
      lastReason: r.last_reason,
      lastDetail: r.last_detail,
      lastFlags: flagsOf(r.last_flags),
      lastProbeAt: iso(r.last_probe_at),
      lastVerifiedAt: iso(r.last_verified_at),
      lastReachableAt: iso(r.last_reachable_at),
      nextDueAt: iso(r.next_due_at),
      confirming: needsMore ? { outcome: r.streak_outcome as string, count: r.streak_count ?? 0 } : null,
      ...(vantage ? { vantage: vantageView(vantage) } : {}),
    };
  }

  private centerView(c: CenterWithState, channels: ChannelWithState[], vantage: Map<string, ChannelVantageView>): CenterView {
    return {
      id: c.id, name: c.name, kind: c.kind, city: c.city, region: c.region, tz: c.tz, archived: c.archived_at !== null,
      status: c.center_status ?? 'unknown', statusSince: iso(c.center_since), openIncidentId: c.incident_id,
      channels: channels.map((r) => this.channelView(r, vantage.get(r.id))),
    };
  }

  centers(opts: { includeArchived?: boolean } = {}): CenterView[] {
    const all = opts.includeArchived ? 1 : 0;
    const byCenter = new Map<string, ChannelWithState[]>();
    const rows = this.channelsStmt.all(all);
    const vantage = this.vantageOf(rows, {});
    for (const r of rows) {
      const list = byCenter.get(r.center_id);
      if (list) list.push(r);
      else byCenter.set(r.center_id, [r]);
    }
    return this.centersStmt.all(all).map((c) => this.centerView(c, byCenter.get(c.id) ?? [], vantage));
  }

  center(id: string): CenterView | null {
    const c = this.centerStmt.get(id);
    if (!c) return null;
    const rows = this.channelsOfStmt.all(id, 1);
    return this.centerView(c, rows, this.vantageOf(rows, { centerId: id }));
  }

  channelExists(id: string): boolean {
    return this.channelRefStmt.get(id) !== undefined;
  }

  /**
   * A page of a channel's probes in [from, to), newest first by default. Keyset pagination on
   * (started_at, id) keeps every page an index range scan, however deep the history.
   */
  probes(channelId: string, q: { from?: number; to?: number; limit: number; cursor?: string; order: 'asc' | 'desc' }): ProbePage | null {
    const ref = this.channelRefStmt.get(channelId)?.ref;
    if (ref === undefined) return null;
    const cur = q.cursor ? decodeCursor(q.cursor) : null;
    const from = q.from ?? 0;
    const to = q.to ?? Number.MAX_SAFE_INTEGER;
    const desc = q.order === 'desc';
    const keyset = cur ? (desc ? 'AND (started_at, id) < (@cs, @ci)' : 'AND (started_at, id) > (@cs, @ci)') : '';
    const sql = `SELECT id, started_at, due_at, duration_ms, method, outcome, reason, flags, classifier_version, evidence, vantage, agent_id FROM probes
      WHERE channel_ref = @ref AND started_at >= @from AND started_at < @to ${keyset}
      ORDER BY started_at ${desc ? 'DESC' : 'ASC'}, id ${desc ? 'DESC' : 'ASC'} LIMIT @limit`;
    const rows = this.db.prepare(sql).all({ ref, from, to, limit: q.limit + 1, cs: cur?.startedAt, ci: cur?.id }) as Omit<UnchainedProbeRow, 'channel_ref'>[];
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      channelId,
      probes: page.map((r) => {
        const evidence = JSON.parse(r.evidence) as unknown;
        const v = this.vantage.probeVantage({ ...r, channel_ref: ref }, evidence);
        return {
          id: r.id,
          startedAt: new Date(r.started_at).toISOString(),
          dueAt: new Date(r.due_at).toISOString(),
          durationMs: r.duration_ms,
          method: r.method,
          outcome: r.outcome,
          reason: r.reason,
          flags: flagsOf(r.flags),
          classifierVersion: r.classifier_version,
          evidence,
          ...(v ? { vantage: { ...v, receivedAt: iso(v.receivedAt) } } : {}),
        };
      }),
      nextCursor: more && last ? encodeCursor(last.started_at, last.id) : null,
    };
  }

  statusChanges(channelId: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): StatusChangeView[] | null {
    const ref = this.channelRefStmt.get(channelId)?.ref;
    if (ref === undefined) return null;
    return this.changesStmt.all(ref, beforeId, limit).map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      from: r.from_status,
      to: r.to_status,
      reason: r.reason,
      probeIds: JSON.parse(r.probe_ids) as number[],
      evidence: JSON.parse(r.evidence) as unknown,
    }));
  }

  private incidentView(r: IncidentRow): IncidentView {
    return {
      id: r.id,
      centerId: r.center_id,
      openedAt: new Date(r.opened_at).toISOString(),
      closedAt: iso(r.closed_at),
      status: r.status,
      worstStatus: r.worst_status,
      wentDarkAt: iso(r.went_dark_at),
      closeReason: r.close_reason,
      maintenanceId: r.maintenance_id,
      openEvidence: JSON.parse(r.open_evidence) as unknown,
      closeEvidence: r.close_evidence === null ? null : (JSON.parse(r.close_evidence) as unknown),
    };
  }

  /** Incidents newest first; keyset on id. */
  incidents(q: { centerId?: string; open?: boolean; limit: number; beforeId?: number }): IncidentView[] {
    const where: string[] = ['id < @before'];
    if (q.centerId) where.push('center_id = @center');
    if (q.open === true) where.push('closed_at IS NULL');
    if (q.open === false) where.push('closed_at IS NOT NULL');
    return (
      this.db
        .prepare(`SELECT * FROM incidents WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT @limit`)
        .all({ before: q.beforeId ?? Number.MAX_SAFE_INTEGER, center: q.centerId ?? null, limit: q.limit }) as IncidentRow[]
    ).map((r) => this.incidentView(r));
  }

  incident(id: number): (IncidentView & { changes: CenterStatusChangeView[] }) | null {
    const r = this.db.prepare<[number], IncidentRow>('SELECT * FROM incidents WHERE id = ?').get(id);
    if (!r) return null;
    return { ...this.incidentView(r), changes: this.centerStatusChanges(r.center_id, 1000, Number.MAX_SAFE_INTEGER, id) ?? [] };
  }

  centerStatusChanges(centerId: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER, incidentId?: number): CenterStatusChangeView[] | null {
    if (!this.centerStmt.get(centerId)) return null;
    const rows = this.db
      .prepare<[string, number, number | null, number | null, number], Pick<CenterStatusChangeRow, 'id' | 'at' | 'from_status' | 'to_status' | 'incident_id' | 'maintenance_id' | 'evidence'>>(
        `SELECT id, at, from_status, to_status, incident_id, maintenance_id, evidence FROM center_status_changes
         WHERE center_id = ? AND id < ? AND (? IS NULL OR incident_id = ?) ORDER BY id DESC LIMIT ?`,
      )
      .all(centerId, beforeId, incidentId ?? null, incidentId ?? null, limit);
    return rows.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      from: r.from_status,
      to: r.to_status,
      incidentId: r.incident_id,
      maintenanceId: r.maintenance_id,
      evidence: JSON.parse(r.evidence) as unknown,
    }));
  }
}
