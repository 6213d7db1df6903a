// The incidents repository: center records, incidents and the center status log (hash-chained),
// plus the reads the incident lifecycle needs. Every write runs inside the caller's transaction,
// so a status change, its incident and the alerts it raises are committed together or not at all.

import type { ChannelStatus } from '../domain.ts';
import type { CenterRecord, OpenIncident } from '../incidents/lifecycle.ts';
import type { CenterStatus } from '../status/center.ts';
import { ChainTail } from './chain.ts';
import type { DB } from './db.ts';
import type { CenterStateRow, IncidentRow } from './rows.ts';

/** A center as the tracker and its alerts describe it. */
export interface TrackedCenter {
  id: string;
  name: string;
  kind: string;
  region: string | null;
  city: string | null;
  tz: string | null;
}

/** A channel of a center with its stored status and the streak behind it. */
export interface TrackedChannel {
  id: string;
  type: string;
  value: string;
  target: string | null;
  archived: boolean;
  status: ChannelStatus | null;
  statusSince: number | null;
  statusConfirmedAt: number | null;
  statusReason: string | null;
  streakOutcome: string | null;
  /** JSON: the first probes of the current streak (StreakProbe[]). */
  streakProbes: string | null;
}

/** A dark center whose "still dark" reminder is due. */
export interface DueReminder {
  centerId: string;
  incidentId: number;
  since: number;
  wentDarkAt: number | null;
}

export interface NewCenterChange {
  centerId: string;
  at: number;
  from: CenterStatus;
  to: CenterStatus;
  incidentId: number | null;
  maintenanceId: number | null;
  /** JSON: the channels and the probes that confirmed them. */
  evidence: string;
}

const recordOf = (r: CenterStateRow): CenterRecord => ({
  status: r.status as CenterStatus,
  since: r.since,
  downSince: r.down_since,
  incidentId: r.incident_id,
  remindedAt: r.reminded_at,
});

export class IncidentStore {
  private readonly db: DB;
  private readonly stmts;

  constructor(db: DB) {
    this.db = db;
    this.stmts = {
      centers: db.prepare<[], TrackedCenter>(`SELECT id, name, kind, region, city, tz FROM centers WHERE archived_at IS NULL`),
      channelCenters: db.prepare<[], { id: string; center_id: string }>(`SELECT id, center_id FROM channels`),
      channels: db.prepare<[string], { id: string; type: string; value: string; target: string | null; archived_at: number | null; status: ChannelStatus | null; status_since: number | null; status_confirmed_at: number | null; status_reason: string | null; streak_outcome: string | null; streak_probes: string | null }>(
        `SELECT c.id, c.type, c.value, c.target, c.archived_at, s.status, s.status_since, s.status_confirmed_at, s.status_reason, s.streak_outcome, s.streak_probes
         FROM channels c LEFT JOIN channel_state s ON s.channel_ref = c.ref WHERE c.center_id = ? ORDER BY c.position, c.ref`,
      ),
      state: db.prepare<[string], CenterStateRow>(`SELECT * FROM center_state WHERE center_id = ?`),
      upsertState: db.prepare(
        `INSERT INTO center_state (center_id, status, since, down_since, incident_id, reminded_at, updated_at)
         VALUES (@centerId, @status, @since, @downSince, @incidentId, @remindedAt, @now)
         ON CONFLICT(center_id) DO UPDATE SET status = excluded.status, since = excluded.since, down_since = excluded.down_since,
           incident_id = excluded.incident_id, reminded_at = excluded.reminded_at, updated_at = excluded.updated_at`,
      ),
      openIncident: db.prepare(
        `INSERT INTO incidents (center_id, opened_at, status, worst_status, went_dark_at, open_evidence, maintenance_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      incident: db.prepare<[number], Pick<IncidentRow, 'worst_status' | 'went_dark_at'>>(`SELECT worst_status, went_dark_at FROM incidents WHERE id = ?`),
      updateIncident: db.prepare(`UPDATE incidents SET status = ?, worst_status = ?, went_dark_at = ? WHERE id = ?`),
      closeIncident: db.prepare(`UPDATE incidents SET closed_at = ?, close_evidence = ?, close_reason = ? WHERE id = ? AND closed_at IS NULL`),
      insertChange: db.prepare(
        `INSERT INTO center_status_changes (id, center_id, at, from_status, to_status, incident_id, maintenance_id, evidence, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      pendingDark: db.prepare<[number, number], { center_id: string }>(
        `SELECT center_id FROM center_state WHERE status = 'partial' AND down_since IS NOT NULL AND down_since + ? <= ?`,
      ),
      dueReminders: db.prepare<[number, number], { center_id: string; incident_id: number; since: number; went_dark_at: number | null }>(
        `SELECT s.center_id, s.incident_id, s.since, i.went_dark_at FROM center_state s JOIN incidents i ON i.id = s.incident_id
         WHERE s.status = 'dark' AND COALESCE(s.reminded_at, i.went_dark_at, s.since) + ? <= ?`,
      ),
      markReminded: db.prepare(`UPDATE center_state SET reminded_at = ? WHERE center_id = ?`),
    };
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Centers not archived. */
  activeCenters(): TrackedCenter[] {
    return this.stmts.centers.all();
  }

  /** Every channel's center, archived ones included. */
  channelCenters(): { channelId: string; centerId: string }[] {
    return this.stmts.channelCenters.all().map((r) => ({ channelId: r.id, centerId: r.center_id }));
  }

  /** A center's channels in the registry's order, archived ones included. */
  channelsOf(centerId: string): TrackedChannel[] {
    return this.stmts.channels.all(centerId).map((r) => ({
      id: r.id,
      type: r.type,
      value: r.value,
      target: r.target,
      archived: r.archived_at !== null,
      status: r.status,
      statusSince: r.status_since,
      statusConfirmedAt: r.status_confirmed_at,
      statusReason: r.status_reason,
      streakOutcome: r.streak_outcome,
      streakProbes: r.streak_probes,
    }));
  }

  record(centerId: string): CenterRecord | null {
    const r = this.stmts.state.get(centerId);
    return r ? recordOf(r) : null;
  }

  saveRecord(centerId: string, r: CenterRecord, now: number): void {
    this.stmts.upsertState.run({ centerId, status: r.status, since: r.since, downSince: r.downSince, incidentId: r.incidentId, remindedAt: r.remindedAt, now });
  }

  openIncident(i: { centerId: string; at: number; status: CenterStatus; wentDarkAt: number | null; evidence: string; maintenanceId: number | null }): number {
    const info = this.stmts.openIncident.run(i.centerId, i.at, i.status, i.status, i.wentDarkAt, i.evidence, i.maintenanceId);
    return Number(info.lastInsertRowid);
  }

  incident(id: number): OpenIncident | null {
    const r = this.stmts.incident.get(id);
    return r ? { worstStatus: r.worst_status, wentDarkAt: r.went_dark_at } : null;
  }

  updateIncident(id: number, u: { status: CenterStatus; worstStatus: string; wentDarkAt: number | null }): void {
    this.stmts.updateIncident.run(u.status, u.worstStatus, u.wentDarkAt, id);
  }

  /** Closes an incident once: an already closed one keeps its end. */
  closeIncident(id: number, at: number, evidence: string, reason: CenterStatus): void {
    this.stmts.closeIncident.run(at, evidence, reason, id);
  }

  /** Appends to the center_status_changes hash chain (its tail read in this transaction); returns the change's id. */
  appendChange(c: NewCenterChange): number {
    const row = [c.centerId, c.at, c.from, c.to, c.incidentId, c.maintenanceId, c.evidence] as const;
    const link = new ChainTail(this.db, 'center_status_changes').link(row);
    this.stmts.insertChange.run(link.id, ...row, link.hash, link.prev);
    return link.id;
  }

  /** Partial centers whose every channel has been down for `darkAfterMs` by `now`: due to turn dark. */
  pendingDark(darkAfterMs: number, now: number): string[] {
    return this.stmts.pendingDark.all(Math.floor(darkAfterMs), now).map((r) => r.center_id);
  }

  /** Dark centers not reminded of (or gone dark) for `reminderMs` by `now`. */
  dueReminders(reminderMs: number, now: number): DueReminder[] {
    return this.stmts.dueReminders.all(Math.floor(reminderMs), now).map((r) => ({ centerId: r.center_id, incidentId: r.incident_id, since: r.since, wentDarkAt: r.went_dark_at }));
  }

  markReminded(centerId: string, at: number): void {
    this.stmts.markReminded.run(at, centerId);
  }
}
