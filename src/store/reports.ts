// The reports repository: what availability reports and the thesis table read, from the hourly
// rollups (channel_hours) with SQL doing the sums, plus index seeks for the exact first and last
// reachable probe, status changes, incidents and maintenance windows. Raw probes are never scanned.
// Statements are prepared once per database.

import type { Outcome } from '../domain.ts';
import type { DB } from './db.ts';
import type { CenterRow, ChannelHourRow, ChannelRow, IncidentRow, MaintenanceWindowRow } from './rows.ts';
import { PROBE_ATTEMPTS_SQL } from './rollups.ts';

export interface ReportCenter {
  /** Registry order (the table's rowid). */
  pos: number;
  id: string;
  name: string;
  kind: string;
  city: string | null;
  region: string | null;
  tz: string | null;
  createdAt: number;
  archivedAt: number | null;
}

export interface ReportChannel {
  ref: number;
  id: string;
  centerId: string;
  type: string;
  value: string;
  target: string | null;
  createdAt: number;
  archivedAt: number | null;
}

/** A set of channels summed together, made once and summed over many hour ranges. */
export interface ChannelSet {
  readonly size: number;
}

/** channel ref, then attempts by class: reachable, down, impaired, inconclusive, errors. */
export type ChannelSums = [number, number, number, number, number, number];

/** A status in force from `at` (a center's or a channel's), with the center's incident. */
export interface StatusPoint {
  status: string;
  at: number;
  incidentId: number | null;
}

export interface ReportWindow {
  id: number;
  centerId: string | null;
  region: string | null;
  startsAt: number;
  endsAt: number;
  reason: string;
  createdBy: string;
  cancelledAt: number | null;
}

export type ReportIncident = Pick<IncidentRow, 'id' | 'center_id' | 'opened_at' | 'closed_at' | 'status' | 'worst_status' | 'went_dark_at' | 'close_reason' | 'maintenance_id'>;

export type HourTotals = Pick<ChannelHourRow, 'reachable' | 'down' | 'impaired' | 'inconclusive' | 'errors'>;

class JsonRefs implements ChannelSet {
  readonly size: number;
  readonly json: string;
  constructor(refs: readonly number[]) {
    this.size = refs.length;
    this.json = JSON.stringify(refs);
  }
}

/** Pairs per statement when seeking first and last reachable probes (bounds the JSON handed to SQLite). */
const SEEK_BATCH = 20_000;

export class ReportStore {
  private readonly s;

  constructor(db: DB) {
    this.s = {
      centers: db.prepare<[], Pick<CenterRow, 'id' | 'name' | 'kind' | 'city' | 'region' | 'tz' | 'created_at' | 'archived_at'> & { pos: number }>(
        `SELECT rowid AS pos, id, name, kind, city, region, tz, created_at, archived_at FROM centers`,
      ),
      channels: db.prepare<[string, number], Pick<ChannelRow, 'ref' | 'id' | 'center_id' | 'type' | 'value' | 'target' | 'created_at' | 'archived_at'>>(
        `SELECT ref, id, center_id, type, value, target, created_at, archived_at FROM channels
         WHERE center_id IN (SELECT value FROM json_each(?)) AND (archived_at IS NULL OR archived_at > ?)
         ORDER BY center_id, position, ref`,
      ),
      // Plain sums over an hour range: per-row arithmetic (local hours, weekdays) costs SQLite ten times
      // as much as a sum, so calling hours are given as ranges of whole hours instead. Every probe is in
      // exactly one class, so the probe count is the sum of the classes.
      sums: db
        .prepare<{ refs: string; a: number; b: number }, ChannelSums>(
          `SELECT channel_ref, SUM(reachable), SUM(down), SUM(impaired), SUM(inconclusive), SUM(errors)
           FROM channel_hours
           WHERE channel_ref IN (SELECT value FROM json_each(@refs)) AND hour >= @a AND hour < @b
           GROUP BY channel_ref`,
        )
        .raw(true),
      // First and last reachable probe of a channel in [from hour, to hour): the first and last hour
      // with a reachable probe from the rollups (an index seek each), then one index range on
      // probes(channel_ref, started_at) within that hour. Asked for many (channel, range) at once.
      reachableTimes: db
        .prepare<[string], [number, number | null, number | null]>(
          `WITH pairs AS MATERIALIZED (
             SELECT j.key AS k, j.value ->> 0 AS ref,
               (SELECT hour FROM channel_hours WHERE channel_ref = j.value ->> 0 AND hour >= j.value ->> 1 AND hour < j.value ->> 2 AND reachable > 0 ORDER BY hour LIMIT 1) AS fh,
               (SELECT hour FROM channel_hours WHERE channel_ref = j.value ->> 0 AND hour >= j.value ->> 1 AND hour < j.value ->> 2 AND reachable > 0 ORDER BY hour DESC LIMIT 1) AS lh
             FROM json_each(?) j
           )
           SELECT k,
             (SELECT started_at FROM probes WHERE channel_ref = ref AND started_at >= fh * 3600000 AND started_at < fh * 3600000 + 3600000
                AND outcome = 'reachable' ORDER BY started_at LIMIT 1),
             (SELECT started_at FROM probes WHERE channel_ref = ref AND started_at >= lh * 3600000 AND started_at < lh * 3600000 + 3600000
                AND outcome = 'reachable' ORDER BY started_at DESC LIMIT 1)
           FROM pairs`,
        )
        .raw(true),
      centerStatusAt: db.prepare<[string, number], { status: string; at: number; incident_id: number | null }>(
        `SELECT to_status AS status, at, incident_id FROM center_status_changes WHERE center_id = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1`,
      ),
      centerChanges: db.prepare<[string, number, number], { status: string; at: number; incident_id: number | null }>(
        `SELECT to_status AS status, at, incident_id FROM center_status_changes WHERE center_id = ? AND at > ? AND at < ? ORDER BY at, id`,
      ),
      channelStatusAt: db.prepare<[number, number], { status: string; at: number }>(
        `SELECT to_status AS status, at FROM status_changes WHERE channel_ref = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1`,
      ),
      channelChanges: db.prepare<[number, number, number], { status: string; at: number }>(
        `SELECT to_status AS status, at FROM status_changes WHERE channel_ref = ? AND at > ? AND at < ? ORDER BY at, id`,
      ),
      windows: db.prepare<[number, number], Pick<MaintenanceWindowRow, 'id' | 'center_id' | 'region' | 'starts_at' | 'ends_at' | 'reason' | 'created_by' | 'cancelled_at'>>(
        `SELECT id, center_id, region, starts_at, ends_at, reason, created_by, cancelled_at FROM maintenance_windows WHERE starts_at < ? AND ends_at > ? ORDER BY starts_at, id`,
      ),
      incidents: db.prepare<[string, number, number], ReportIncident>(
        `SELECT id, center_id, opened_at, closed_at, status, worst_status, went_dark_at, close_reason, maintenance_id FROM incidents
         WHERE center_id IN (SELECT value FROM json_each(?)) AND opened_at < ? AND (closed_at IS NULL OR closed_at > ?) ORDER BY opened_at, id`,
      ),
      hourTotals: db.prepare<[number, number, number], HourTotals>(
        `SELECT TOTAL(reachable) AS reachable, TOTAL(down) AS down, TOTAL(impaired) AS impaired, TOTAL(inconclusive) AS inconclusive, TOTAL(errors) AS errors
         FROM channel_hours WHERE channel_ref = ? AND hour >= ? AND hour < ?`,
      ),
      multiPoint: db.prepare<[], { ref: number }>('SELECT DISTINCT channel_ref AS ref FROM vantage_state'),
      attemptsByPoint: db.prepare<[number, number, number], { point: string; outcome: Outcome; n: number }>(
        `SELECT COALESCE(vantage, 'central') AS point, outcome, SUM(${PROBE_ATTEMPTS_SQL}) AS n FROM probes
         WHERE channel_ref = ? AND started_at >= ? AND started_at < ? GROUP BY point, outcome ORDER BY point`,
      ),
      attempts: db.prepare<[number, number, number], { outcome: Outcome; n: number }>(
        `SELECT outcome, SUM(${PROBE_ATTEMPTS_SQL}) AS n FROM probes WHERE channel_ref = ? AND started_at >= ? AND started_at < ? GROUP BY outcome`,
      ),
    };
  }

  /** Every center, archived ones included. */
  centers(): ReportCenter[] {
    return this.s.centers.all().map((r) => ({
      pos: r.pos, id: r.id, name: r.name, kind: r.kind, city: r.city, region: r.region, tz: r.tz, createdAt: r.created_at, archivedAt: r.archived_at,
    }));
  }

  /** Channels of these centers not archived before `from`, by center, then the registry's order. */
  channels(centerIds: readonly string[], from: number): ReportChannel[] {
    if (centerIds.length === 0) return [];
    return this.s.channels.all(JSON.stringify(centerIds), from).map((r) => ({
      ref: r.ref, id: r.id, centerId: r.center_id, type: r.type, value: r.value, target: r.target, createdAt: r.created_at, archivedAt: r.archived_at,
    }));
  }

  channelSet(refs: readonly number[]): ChannelSet {
    return new JsonRefs(refs);
  }

  /** Per channel of the set with attempts in UTC hours [fromHour, toHour): the sums by class. */
  sums(set: ChannelSet, fromHour: number, toHour: number): ChannelSums[] {
    if (!(set instanceof JsonRefs)) throw new TypeError('sums() takes a ChannelSet made by this store');
    if (fromHour >= toHour || set.size === 0) return [];
    return this.s.sums.all({ refs: set.json, a: fromHour, b: toHour });
  }

  /** The first and last reachable probe of each (channel ref, fromHour, toHour), in the order asked. */
  reachableTimes(ranges: readonly (readonly [number, number, number])[]): { first: number | null; last: number | null }[] {
    const out = new Array<{ first: number | null; last: number | null }>(ranges.length);
    for (let start = 0; start < ranges.length; start += SEEK_BATCH) {
      const batch = ranges.slice(start, start + SEEK_BATCH);
      for (const [key, first, last] of this.s.reachableTimes.all(JSON.stringify(batch))) out[start + key] = { first, last };
    }
    return out;
  }

  /** A center's status in force at `at` (its last change at or before then). */
  centerStatusAt(centerId: string, at: number): StatusPoint | undefined {
    const r = this.s.centerStatusAt.get(centerId, at);
    return r ? { status: r.status, at: r.at, incidentId: r.incident_id } : undefined;
  }

  /** A center's status changes in (after, before). */
  centerChanges(centerId: string, after: number, before: number): StatusPoint[] {
    return this.s.centerChanges.all(centerId, after, before).map((r) => ({ status: r.status, at: r.at, incidentId: r.incident_id }));
  }

  channelStatusAt(ref: number, at: number): StatusPoint | undefined {
    const r = this.s.channelStatusAt.get(ref, at);
    return r ? { status: r.status, at: r.at, incidentId: null } : undefined;
  }

  channelChanges(ref: number, after: number, before: number): StatusPoint[] {
    return this.s.channelChanges.all(ref, after, before).map((r) => ({ status: r.status, at: r.at, incidentId: null }));
  }

  /** Maintenance windows overlapping [from, to) as declared (cancellation included), by start. */
  maintenanceWindows(from: number, to: number): ReportWindow[] {
    return this.s.windows.all(to, from).map((w) => ({
      id: w.id, centerId: w.center_id, region: w.region, startsAt: w.starts_at, endsAt: w.ends_at, reason: w.reason, createdBy: w.created_by, cancelledAt: w.cancelled_at,
    }));
  }

  /** Incidents of these centers open at some time in [from, to), by opening. */
  incidents(centerIds: readonly string[], from: number, to: number): ReportIncident[] {
    return this.s.incidents.all(JSON.stringify(centerIds), to, from);
  }

  /** A channel's attempts by class in UTC hours [fromHour, toHour) (zeros when none). */
  hourTotals(ref: number, fromHour: number, toHour: number): HourTotals | undefined {
    return this.s.hourTotals.get(ref, fromHour, toHour);
  }

  /** The channels seen from more than one vantage point (they have per-point state). */
  multiPointChannels(): Set<number> {
    return new Set(this.s.multiPoint.all().map((r) => r.ref));
  }

  /** A channel's attempts by vantage point and outcome in [from, to); the central's own are `central`. */
  attemptsByPoint(ref: number, from: number, to: number): { point: string; outcome: Outcome; n: number }[] {
    return this.s.attemptsByPoint.all(ref, from, to);
  }

  /** A channel's attempts by outcome in [from, to) (a manual record of several calls counts each). */
  attemptsByOutcome(ref: number, from: number, to: number): { outcome: Outcome; n: number }[] {
    return this.s.attempts.all(ref, from, to);
  }
}

const stores = new WeakMap<DB, ReportStore>();

/** The database's report store, prepared once. */
export function reportStore(db: DB): ReportStore {
  let s = stores.get(db);
  if (!s) {
    s = new ReportStore(db);
    stores.set(db, s);
  }
  return s;
}
