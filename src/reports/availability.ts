// Availability reports for auditors: any period, any set of centers, by day, week or month. Built from
// the hourly rollups (channel_hours) with SQL doing the sums, plus index seeks for the exact first and
// last reachable probe, incidents, maintenance windows and status changes. Raw probes are never
// scanned, so a quarter of 1,000 centers takes well under a second.

import type { Language } from '../i18n/languages.ts';
import type { CallingWindow } from '../calling/policy.ts';
import type { Config } from '../config/config.ts';
import type { ChannelStatus, Outcome } from '../domain.ts';
import { availability } from '../status/availability.ts';
import { DOWN_STATUSES, IMPAIRED_STATUSES } from '../status/center.ts';
import type { DB } from '../store/db.ts';
import type { CenterRow as CenterTableRow, ChannelRow as ChannelTableRow } from '../store/rows.ts';
import type { IncidentView } from '../store/queries.ts';
import {
  bucketsOf, ceilHour, floorHour, formatDuration, HOUR_MS, intersectSegments, MAX_RANGE_MS, offsetSegments, type Bucket, type Granularity,
} from './periods.ts';
import { REPORT_WORDS } from '../i18n/reports.ts';

/** What a report needs from the configuration. */
export interface ReportSettings {
  /** Dates are read and buckets cut in this zone; it is also the zone of centers without their own. */
  defaultTz: string;
  callingHours: CallingWindow;
  /** status.confirmations */
  confirmations: number;
  /** telephony.min_slots: the 2018 spread rule. */
  minSlots: number;
  /** telephony.answer_confirmations: a person's answer to the call menu. */
  answerConfirmations: number;
}

export function reportSettingsFrom(config: Pick<Config, 'defaultTimezone' | 'telephony' | 'status'>): ReportSettings {
  return {
    defaultTz: config.defaultTimezone,
    callingHours: config.telephony.callingHours,
    confirmations: config.status.confirmations,
    minSlots: config.telephony.minSlots,
    answerConfirmations: config.telephony.answerConfirmations,
  };
}

export interface CenterFilter {
  /** Exactly these centers (archived ones included); unknown ids are an error. */
  centerIds?: string[];
  /** Registry region (region_normalized), exact match. */
  region?: string;
  kind?: string;
}

export interface AvailabilityQuery extends CenterFilter {
  /** Epoch ms, inclusive; widened down to a whole UTC hour. */
  from: number;
  /** Epoch ms, exclusive; widened up to a whole UTC hour. */
  to: number;
  granularity: Granularity;
  /** The language of the rules' sentences. */
  lang?: Language;
  /** As the caller wrote them, echoed in the report. */
  requested?: { from: string; to: string };
}

/**
 * A bad query parameter. `param` is the query's name for it ("from", "to", "granularity", "center"...);
 * `describe` words the problem with each surface's names for parameters (querystring "to", CLI --to).
 */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
  readonly param: string;
  readonly describe: (name: (param: string) => string) => string;
  constructor(param: string, describe: (name: (param: string) => string) => string) {
    super(`${param}: ${describe((p) => `"${p}"`)}`);
    this.param = param;
    this.describe = describe;
  }
}

export class UnknownCenterError extends Error {
  override name = 'UnknownCenterError';
  readonly ids: string[];
  constructor(ids: string[]) {
    super(`No center with id ${ids.map((i) => `"${i}"`).join(', ')}.`);
    this.ids = ids;
  }
}

export interface OutcomeCounts {
  reachable: number;
  down: number;
  impaired: number;
  inconclusive: number;
  errors: number;
}

export interface Figures {
  /** Hours of the period outside maintenance. */
  hours: number;
  /** Every probe made in the period, maintenance hours included. */
  probes: number;
  /** Those probes by class of outcome (they sum to `probes`). */
  outcomes: OutcomeCounts;
  /** Outside maintenance: the attempts availability is computed from. */
  counted: { reachable: number; down: number; impaired: number };
  /** counted.reachable / (counted.reachable + counted.down + counted.impaired); null when there is none (no data). */
  availability: number | null;
  /** The hours that overlap calling hours in the center's zone, outside maintenance. */
  callingHours: { hours: number; probes: number; outcomes: OutcomeCounts; availability: number | null };
  /** The hours that overlap a maintenance window: reported here, left out of availability. */
  maintenance: { hours: number; probes: number; outcomes: OutcomeCounts };
  firstReachableAt: string | null;
  lastReachableAt: string | null;
}

export interface Outage {
  /** Center: dark, or partial when it was never dark in the period. Channel: down, or impaired. */
  kind: 'dark' | 'partial' | 'down' | 'impaired';
  from: string;
  to: string;
  durationMs: number;
  duration: string;
  /** The confirmed statuses in the spell (a channel may go from unavailable to closed). */
  statuses: string[];
  /** The spell began before the period (or bucket) and was cut at its start. */
  clippedStart: boolean;
  /** The spell went on past the period's end (or the report's time) and was cut there. */
  clippedEnd: boolean;
  /** Centers: the incident the spell belongs to. */
  incidentId?: number | null;
}

/** An incident as the report lists it: the store's view without its evidence. */
export type IncidentRef = Omit<IncidentView, 'centerId' | 'openEvidence' | 'closeEvidence'>;

export interface MaintenanceRef {
  id: number;
  centerId: string | null;
  region: string | null;
  from: string;
  /** When it ended: its end, or when it was ended early. */
  to: string;
  reason: string;
  createdBy: string;
  endedEarly: boolean;
}

export interface PeriodKey {
  key: string;
  from: string;
  to: string;
}

export interface ChannelPeriod extends PeriodKey, Figures {
  longestOutage: Outage | null;
}

export interface CenterPeriod extends PeriodKey, Figures {
  incidents: { count: number; ids: number[] };
  maintenanceWindows: number[];
  longestOutage: Outage | null;
}

export interface ChannelReport {
  id: string;
  type: string;
  value: string;
  target: string | null;
  probeable: boolean;
  archived: boolean;
  buckets: ChannelPeriod[];
  total: ChannelPeriod;
}

export interface CenterReport {
  id: string;
  name: string;
  kind: string;
  city: string | null;
  region: string | null;
  /** The center's zone (the default zone when the registry gives none): calling hours are counted in it. */
  timeZone: string;
  archived: boolean;
  incidents: IncidentRef[];
  maintenanceWindows: MaintenanceRef[];
  buckets: CenterPeriod[];
  total: CenterPeriod;
  channels: ChannelReport[];
}

export interface ReportRules {
  lang: Language;
  outcomeClasses: Record<'reachable' | 'down' | 'impaired' | 'inconclusive' | 'errors', string[]>;
  availability: 'reachable / (reachable + down + impaired)';
  confirmations: number;
  spread: { outcomes: Outcome[]; minSlots: number; slot: 'local day and half-day (before/after 13:00)' };
  timeZone: string;
  callingHours: CallingWindow;
  rollup: 'hour';
  maintenance: 'excluded from availability, reported separately';
  errors: 'excluded, never counted as down';
  noData: 'null, never 0';
  centerTotals: 'sum of the channels';
  statements: { topic: string; text: string }[];
}

export interface AvailabilityReport {
  report: 'availability';
  generatedAt: string;
  period: {
    from: string;
    to: string;
    requested: { from: string; to: string };
    hours: number;
    timeZone: string;
    granularity: Granularity;
  };
  filter: { centers: string[] | null; region: string | null; kind: string | null };
  rules: ReportRules;
  buckets: PeriodKey[];
  centers: CenterReport[];
}

// ------------------------------------------------------------------------------------------------

/** A center as the report selects it, with its place in the registry's order (row types: store/rows.ts). */
type CenterRow = Pick<CenterTableRow, 'id' | 'name' | 'kind' | 'city' | 'region' | 'tz' | 'created_at' | 'archived_at'> & { pos: number };

type ChannelRow = Pick<ChannelTableRow, 'ref' | 'id' | 'center_id' | 'type' | 'value' | 'target' | 'created_at' | 'archived_at'>;

/** Per channel and bucket: everything the SQL sums, for all hours and for maintenance hours. */
class Acc {
  // reachable, down, impaired, inconclusive, errors; then the same in calling hours.
  readonly all = new Float64Array(10);
  readonly maint = new Float64Array(10);
  firstAt: number | null = null;
  lastAt: number | null = null;
}

/** channel_ref, reachable, down, impaired, inconclusive, errors. */
type SumRow = [number, number, number, number, number, number];

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
const counts = (a: Float64Array, o: number): OutcomeCounts => ({
  reachable: a[o] as number,
  down: a[o + 1] as number,
  impaired: a[o + 2] as number,
  inconclusive: a[o + 3] as number,
  errors: a[o + 4] as number,
});
const probesOf = (a: Float64Array, o: number): number => (a[o] as number) + (a[o + 1] as number) + (a[o + 2] as number) + (a[o + 3] as number) + (a[o + 4] as number);

/** The SQL lives here, prepared once per database. */
class Statements {
  readonly sums;
  readonly reachableTimes;
  readonly centerStatusAt;
  readonly centerChanges;
  readonly channelStatusAt;
  readonly channelChanges;

  constructor(db: DB) {
    // Plain sums over an hour range: per-row arithmetic (local hours, weekdays) costs SQLite ten times
    // as much as a sum, so calling hours are given as ranges of whole hours instead. Every probe is in
    // exactly one class, so the probe count is the sum of the classes.
    this.sums = db
      .prepare<{ refs: string; a: number; b: number }, SumRow>(
        `SELECT channel_ref, SUM(reachable), SUM(down), SUM(impaired), SUM(inconclusive), SUM(errors)
         FROM channel_hours
         WHERE channel_ref IN (SELECT value FROM json_each(@refs)) AND hour >= @a AND hour < @b
         GROUP BY channel_ref`,
      )
      .raw(true);
    // First and last reachable probe of a channel in [from hour, to hour): the first and last hour
    // with a reachable probe from the rollups (an index seek each), then one index range on
    // probes(channel_ref, started_at) within that hour. Asked for many (channel, bucket) at once.
    this.reachableTimes = db
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
      .raw(true);
    this.centerStatusAt = db.prepare<[string, number], { status: string; at: number; incident_id: number | null }>(
      `SELECT to_status AS status, at, incident_id FROM center_status_changes WHERE center_id = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1`,
    );
    this.centerChanges = db.prepare<[string, number, number], { status: string; at: number; incident_id: number | null }>(
      `SELECT to_status AS status, at, incident_id FROM center_status_changes WHERE center_id = ? AND at > ? AND at < ? ORDER BY at, id`,
    );
    this.channelStatusAt = db.prepare<[number, number], { status: string; at: number; incident_id: null }>(
      `SELECT to_status AS status, at, NULL AS incident_id FROM status_changes WHERE channel_ref = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1`,
    );
    this.channelChanges = db.prepare<[number, number, number], { status: string; at: number; incident_id: null }>(
      `SELECT to_status AS status, at, NULL AS incident_id FROM status_changes WHERE channel_ref = ? AND at > ? AND at < ? ORDER BY at, id`,
    );
  }
}

const statements = new WeakMap<DB, Statements>();
function statementsOf(db: DB): Statements {
  let s = statements.get(db);
  if (!s) {
    s = new Statements(db);
    statements.set(db, s);
  }
  return s;
}

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Whether a UTC hour overlaps calling hours, given the zone's offset then (an hour counts when any part of it does). */
function isCallingHour(hour: number, offsetMin: number, mask: number, fromMin: number, toMin: number): boolean {
  const local = hour * 60 + offsetMin;
  const minute = ((local % 1440) + 1440) % 1440;
  const weekday = ((Math.floor(local / 1440) + 3) % 7 + 7) % 7 + 1;
  return ((mask >> weekday) & 1) === 1 && minute < toMin && minute + 60 > fromMin;
}

/** Centers matching the filter, in the board's order (region, then name). */
export function selectCenters(db: DB, filter: CenterFilter, from: number): CenterRow[] {
  const all = db.prepare<[], CenterRow>(`SELECT rowid AS pos, id, name, kind, city, region, tz, created_at, archived_at FROM centers`).all();
  let rows: CenterRow[];
  if (filter.centerIds && filter.centerIds.length > 0) {
    const byId = new Map(all.map((c) => [c.id, c]));
    const missing = filter.centerIds.filter((id) => !byId.has(id));
    if (missing.length > 0) throw new UnknownCenterError(missing);
    const wanted = new Set(filter.centerIds);
    rows = all.filter((c) => wanted.has(c.id));
  } else {
    // Not archived before the period began (one added later shows no data, never down).
    rows = all.filter((c) => c.archived_at === null || c.archived_at > from);
  }
  if (filter.region !== undefined) rows = rows.filter((c) => c.region === filter.region);
  if (filter.kind !== undefined) rows = rows.filter((c) => c.kind === filter.kind);
  return rows.sort((a, b) => (a.region === null ? 1 : 0) - (b.region === null ? 1 : 0) || (a.region ?? '').localeCompare(b.region ?? '') || a.name.localeCompare(b.name) || a.pos - b.pos);
}

/** Channels of these centers not archived before `from`. */
export function selectChannels(db: DB, centerIds: string[], from: number): ChannelRow[] {
  if (centerIds.length === 0) return [];
  return db
    .prepare<[string, number], ChannelRow>(
      `SELECT ref, id, center_id, type, value, target, created_at, archived_at FROM channels
       WHERE center_id IN (SELECT value FROM json_each(?)) AND (archived_at IS NULL OR archived_at > ?)
       ORDER BY center_id, position, ref`,
    )
    .all(JSON.stringify(centerIds), from);
}

interface Spell {
  from: number;
  to: number;
  statuses: string[];
  incidentId: number | null;
}

/**
 * Maximal spells of statuses in `set`, from the status in force at the period's start (its spell
 * began when that status was set) and the changes up to `end`. A spell still going at `end` has no
 * end (Infinity): whoever cuts it says so.
 */
function spellsOf(start: { status: string; at: number; incident_id: number | null } | undefined, changes: { status: string; at: number; incident_id: number | null }[], set: (s: string) => boolean): Spell[] {
  const spells: Spell[] = [];
  let cur: Spell | null = start && set(start.status) ? { from: start.at, to: Infinity, statuses: [start.status], incidentId: start.incident_id } : null;
  for (const ch of changes) {
    if (set(ch.status)) {
      if (cur) {
        if (!cur.statuses.includes(ch.status)) cur.statuses.push(ch.status);
      } else cur = { from: ch.at, to: Infinity, statuses: [ch.status], incidentId: ch.incident_id };
    } else if (cur) {
      cur.to = ch.at;
      spells.push(cur);
      cur = null;
    }
  }
  if (cur) spells.push(cur);
  return spells;
}

/** The longest of `spells` cut to [from, to); `end` is where the unbroken ones were cut (period end or now). */
function longest(spells: Spell[], kind: Outage['kind'], from: number, to: number, end: number): Outage | null {
  let best: Outage | null = null;
  for (const s of spells) {
    const a = Math.max(s.from, from);
    const b = Math.min(s.to, to, end);
    if (b <= a) continue;
    if (best && b - a <= best.durationMs) continue;
    best = {
      kind,
      from: new Date(a).toISOString(),
      to: new Date(b).toISOString(),
      durationMs: b - a,
      duration: formatDuration(b - a),
      statuses: [...s.statuses],
      clippedStart: s.from < from,
      clippedEnd: s.to > b,
      ...(kind === 'dark' || kind === 'partial' ? { incidentId: s.incidentId } : {}),
    };
  }
  return best;
}

function emptyFigures(): Figures {
  const o = (): OutcomeCounts => ({ reachable: 0, down: 0, impaired: 0, inconclusive: 0, errors: 0 });
  return {
    hours: 0,
    probes: 0,
    outcomes: o(),
    counted: { reachable: 0, down: 0, impaired: 0 },
    availability: null,
    callingHours: { hours: 0, probes: 0, outcomes: o(), availability: null },
    maintenance: { hours: 0, probes: 0, outcomes: o() },
    firstReachableAt: null,
    lastReachableAt: null,
  };
}

/** Figures of one channel and bucket from its sums. */
function figuresOf(acc: Acc | undefined, hours: number, callingHours: number, maintHours: number): Figures {
  const f = emptyFigures();
  f.hours = hours;
  f.callingHours.hours = callingHours;
  f.maintenance.hours = maintHours;
  if (!acc) return f;
  const a = acc.all;
  const m = acc.maint;
  const d = (i: number) => (a[i] as number) - (m[i] as number);
  f.probes = probesOf(a, 0);
  f.outcomes = counts(a, 0);
  f.maintenance.probes = probesOf(m, 0);
  f.maintenance.outcomes = counts(m, 0);
  f.counted = { reachable: d(0), down: d(1), impaired: d(2) };
  f.availability = availability(f.counted);
  f.callingHours.outcomes = { reachable: d(5), down: d(6), impaired: d(7), inconclusive: d(8), errors: d(9) };
  f.callingHours.probes = d(5) + d(6) + d(7) + d(8) + d(9);
  f.callingHours.availability = availability(f.callingHours.outcomes);
  f.firstReachableAt = iso(acc.firstAt);
  f.lastReachableAt = iso(acc.lastAt);
  return f;
}

/** Adds channel figures into a center's (the center is the sum of its channels). */
function addInto(t: Figures, f: Figures): void {
  t.probes += f.probes;
  t.counted.reachable += f.counted.reachable;
  t.counted.down += f.counted.down;
  t.counted.impaired += f.counted.impaired;
  t.maintenance.probes += f.maintenance.probes;
  t.callingHours.probes += f.callingHours.probes;
  for (const k of ['reachable', 'down', 'impaired', 'inconclusive', 'errors'] as const) {
    t.outcomes[k] += f.outcomes[k];
    t.maintenance.outcomes[k] += f.maintenance.outcomes[k];
    t.callingHours.outcomes[k] += f.callingHours.outcomes[k];
  }
  if (f.firstReachableAt !== null && (t.firstReachableAt === null || f.firstReachableAt < t.firstReachableAt)) t.firstReachableAt = f.firstReachableAt;
  if (f.lastReachableAt !== null && (t.lastReachableAt === null || f.lastReachableAt > t.lastReachableAt)) t.lastReachableAt = f.lastReachableAt;
}

function finish(t: Figures): void {
  t.availability = availability(t.counted);
  t.callingHours.availability = availability(t.callingHours.outcomes);
}

/** Merged whole-hour intervals [fromHour, toHour) of windows, cut to [a, b). */
function mergeHours(windows: { from: number; to: number }[], a: number, b: number): [number, number][] {
  const hours = windows
    .map((w): [number, number] => [Math.max(Math.floor(w.from / HOUR_MS), a), Math.min(Math.ceil(w.to / HOUR_MS), b)])
    .filter(([x, y]) => y > x)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const h of hours) {
    const last = out.at(-1);
    if (last && h[0] <= last[1]) last[1] = Math.max(last[1], h[1]);
    else out.push([h[0], h[1]]);
  }
  return out;
}

export function rulesOf(settings: ReportSettings, lang: Language, from: number, to: number): ReportRules {
  const w = REPORT_WORDS[lang];
  return {
    lang,
    outcomeClasses: {
      reachable: ['reachable'],
      down: [...DOWN_STATUSES],
      impaired: [...IMPAIRED_STATUSES],
      inconclusive: ['inconclusive'],
      errors: ['error'],
    },
    availability: 'reachable / (reachable + down + impaired)',
    confirmations: settings.confirmations,
    spread: { outcomes: ['no_answer', 'unavailable'], minSlots: settings.minSlots, slot: 'local day and half-day (before/after 13:00)' },
    timeZone: settings.defaultTz,
    callingHours: settings.callingHours,
    rollup: 'hour',
    maintenance: 'excluded from availability, reported separately',
    errors: 'excluded, never counted as down',
    noData: 'null, never 0',
    centerTotals: 'sum of the channels',
    statements: w.statements({
      tz: settings.defaultTz,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      confirmations: settings.confirmations,
      minSlots: settings.minSlots,
      answerConfirmations: settings.answerConfirmations,
      callingHours: settings.callingHours,
    }),
  };
}

/** Refuses what no report can answer: an empty or reversed period, or one longer than two years. */
export function checkPeriod(from: number, to: number): void {
  const f = new Date(from).toISOString();
  const t = new Date(to).toISOString();
  if (!(from < to)) throw new ReportInputError('from', (n) => `must be earlier than ${n('to')} (${f} is not before ${t})`);
  if (to - from > MAX_RANGE_MS) {
    throw new ReportInputError('to', (n) => `must be at most two years (731 days) after ${n('from')}: ${f} to ${t} is ${Math.ceil((to - from) / 86_400_000)} days`);
  }
}

/**
 * The availability report. Reads rollups, incidents, maintenance windows and status changes, and
 * seeks probes only for the exact first and last reachable time; pure otherwise (`now` is only where
 * spells still going on are cut).
 */
export function buildAvailabilityReport(db: DB, query: AvailabilityQuery, settings: ReportSettings, opts: { now?: number } = {}): AvailabilityReport {
  const now = opts.now ?? Date.now();
  checkPeriod(query.from, query.to);
  const from = floorHour(query.from);
  const to = ceilHour(query.to);
  const fromHour = from / HOUR_MS;
  const toHour = to / HOUR_MS;
  const lang = query.lang ?? 'en';
  const reportTz = settings.defaultTz;
  const st = statementsOf(db);

  const centers = selectCenters(db, query, from);
  const channels = selectChannels(db, centers.map((c) => c.id), from);
  const buckets = bucketsOf(reportTz, from, to, query.granularity);
  const nb = buckets.length;
  const bucketHours = buckets.map((b) => [b.from / HOUR_MS, b.to / HOUR_MS] as const);

  const tzOf = (c: CenterRow) => c.tz ?? reportTz;
  const channelsOf = new Map<string, ChannelRow[]>();
  for (const ch of channels) {
    const list = channelsOf.get(ch.center_id);
    if (list) list.push(ch);
    else channelsOf.set(ch.center_id, [ch]);
  }

  const win = settings.callingHours;
  const mask = win.days.reduce((m, d) => m | (1 << d), 0);
  const fromMin = toMinutes(win.from);
  const toMin = toMinutes(win.to);

  // Accumulators per channel ref, per bucket; created only where there is data.
  const accs = new Map<number, (Acc | undefined)[]>();
  const accOf = (ref: number, b: number): Acc => {
    let row = accs.get(ref);
    if (!row) {
      row = new Array<Acc | undefined>(nb);
      accs.set(ref, row);
    }
    let a = row[b];
    if (!a) {
      a = new Acc();
      row[b] = a;
    }
    return a;
  };
  const take = (rows: SumRow[], b: number, target: 'all' | 'maint', calling: boolean) => {
    const o = calling ? 5 : 0;
    for (const r of rows) {
      const acc = accOf(r[0], b);
      const arr = acc[target];
      for (let i = 0; i < 5; i++) arr[o + i] = (arr[o + i] as number) + (r[i + 1] as number);
    }
  };
  const sum = (refs: string, a: number, z: number, b: number, target: 'all' | 'maint', calling: boolean) => {
    if (a < z && refs !== '[]') take(st.sums.all({ refs, a, b: z }), b, target, calling);
  };

  // Every hour of every bucket, for all channels at once.
  const allRefs = JSON.stringify(channels.map((ch) => ch.ref));
  for (let b = 0; b < nb; b++) {
    const [ba, bb] = bucketHours[b] as readonly [number, number];
    sum(allRefs, ba, bb, b, 'all', false);
  }

  // Calling hours: per zone (every center of a zone shares its local hours), the runs of whole hours
  // that overlap calling hours, cut at bucket boundaries; then one range statement per run.
  const zones = new Map<string, CenterRow[]>();
  for (const c of centers) {
    const list = zones.get(tzOf(c));
    if (list) list.push(c);
    else zones.set(tzOf(c), [c]);
  }
  const reportSegments = offsetSegments(reportTz, fromHour, toHour);
  const zoneRuns = new Map<string, { b: number; a: number; z: number }[]>();
  const zoneCallingHours = new Map<string, number[]>();
  for (const [tz, list] of zones) {
    const runs: { b: number; a: number; z: number }[] = [];
    const perBucket = new Array<number>(nb).fill(0);
    let bi = 0;
    let run: { b: number; a: number; z: number } | null = null;
    for (const s of intersectSegments(offsetSegments(tz, fromHour, toHour), reportSegments)) {
      for (let h = s.fromHour; h < s.toHour; h++) {
        while (bi < nb - 1 && h >= (bucketHours[bi] as readonly [number, number])[1]) bi++;
        if (isCallingHour(h, s.a, mask, fromMin, toMin)) {
          perBucket[bi] = (perBucket[bi] as number) + 1;
          if (run && run.b === bi && run.z === h) run.z = h + 1;
          else {
            run = { b: bi, a: h, z: h + 1 };
            runs.push(run);
          }
        }
      }
    }
    zoneRuns.set(tz, runs);
    zoneCallingHours.set(tz, perBucket);
    const refs = JSON.stringify(list.flatMap((c) => (channelsOf.get(c.id) ?? []).map((ch) => ch.ref)));
    for (const r of runs) sum(refs, r.a, r.z, r.b, 'all', true);
  }

  // Maintenance windows in force at some time in the period (a window ended early ends then). Their
  // hours are summed again for the center's channels and kept apart, to be taken out of availability.
  const windows = db
    .prepare<[number, number], { id: number; center_id: string | null; region: string | null; starts_at: number; ends_at: number; reason: string; created_by: string; cancelled_at: number | null }>(
      `SELECT id, center_id, region, starts_at, ends_at, reason, created_by, cancelled_at FROM maintenance_windows WHERE starts_at < ? AND ends_at > ? ORDER BY starts_at, id`,
    )
    .all(to, from)
    .map((w) => ({ ...w, end: w.cancelled_at !== null ? Math.min(w.ends_at, w.cancelled_at) : w.ends_at }))
    .filter((w) => w.end > w.starts_at && w.end > from);
  const maintHoursOf = new Map<string, { hours: number[]; calling: number[]; windows: typeof windows }>();
  for (const c of centers) {
    const mine = windows.filter((w) => w.center_id === c.id || (w.region !== null && w.region === c.region));
    if (mine.length === 0) continue;
    const intervals = mergeHours(mine.map((w) => ({ from: w.starts_at, to: w.end })), fromHour, toHour);
    const hours = new Array<number>(nb).fill(0);
    const calling = new Array<number>(nb).fill(0);
    const refs = JSON.stringify((channelsOf.get(c.id) ?? []).map((ch) => ch.ref));
    for (const [ia, ib] of intervals) {
      for (let b = 0; b < nb; b++) {
        const [ba, bb] = bucketHours[b] as readonly [number, number];
        const a = Math.max(ia, ba);
        const z = Math.min(ib, bb);
        if (a >= z) continue;
        hours[b] = (hours[b] as number) + (z - a);
        sum(refs, a, z, b, 'maint', false);
      }
      for (const r of zoneRuns.get(tzOf(c)) ?? []) {
        const a = Math.max(ia, r.a);
        const z = Math.min(ib, r.z);
        if (a >= z) continue;
        calling[r.b] = (calling[r.b] as number) + (z - a);
        sum(refs, a, z, r.b, 'maint', true);
      }
    }
    maintHoursOf.set(c.id, { hours, calling, windows: mine });
  }

  // Exact first and last reachable probe of each channel and bucket that had one, batched.
  const pending: Acc[] = [];
  let batch: [number, number, number][] = [];
  const seek = () => {
    for (const [key, first, last] of st.reachableTimes.all(JSON.stringify(batch))) {
      const acc = pending[key] as Acc;
      acc.firstAt = first;
      acc.lastAt = last;
    }
    pending.length = 0;
    batch = [];
  };
  for (const [ref, row] of accs) {
    for (let b = 0; b < nb; b++) {
      const acc = row[b];
      if (!acc || acc.all[0] === 0) continue;
      const [ba, bb] = bucketHours[b] as readonly [number, number];
      pending.push(acc);
      batch.push([ref, ba, bb]);
      if (batch.length >= 20_000) seek();
    }
  }
  if (batch.length > 0) seek();

  // Incidents overlapping the period.
  const incidentRows = db
    .prepare<[string, number, number], { id: number; center_id: string; opened_at: number; closed_at: number | null; status: string; worst_status: string; went_dark_at: number | null; close_reason: string | null; maintenance_id: number | null }>(
      `SELECT id, center_id, opened_at, closed_at, status, worst_status, went_dark_at, close_reason, maintenance_id FROM incidents
       WHERE center_id IN (SELECT value FROM json_each(?)) AND opened_at < ? AND (closed_at IS NULL OR closed_at > ?) ORDER BY opened_at, id`,
    )
    .all(JSON.stringify(centers.map((c) => c.id)), to, from);
  const incidentsOf = new Map<string, typeof incidentRows>();
  for (const r of incidentRows) {
    const list = incidentsOf.get(r.center_id);
    if (list) list.push(r);
    else incidentsOf.set(r.center_id, [r]);
  }

  const spellEnd = Math.min(to, Math.max(now, from));
  const periodKey = (b: Bucket): PeriodKey => ({ key: b.key, from: new Date(b.from).toISOString(), to: new Date(b.to).toISOString() });
  const keys = buckets.map(periodKey);
  const totalKey = periodKey({ key: 'total', from, to });

  const out: CenterReport[] = centers.map((c) => {
    const tz = tzOf(c);
    const maint = maintHoursOf.get(c.id);
    const callingPerBucket = zoneCallingHours.get(tz) ?? new Array<number>(nb).fill(0);
    const hoursOf = (b: number) => {
      const [ba, bb] = bucketHours[b] as readonly [number, number];
      return { hours: bb - ba - (maint?.hours[b] ?? 0), calling: (callingPerBucket[b] as number) - (maint?.calling[b] ?? 0), maint: maint?.hours[b] ?? 0 };
    };
    const totalHours = { hours: 0, calling: 0, maint: 0 };
    for (let b = 0; b < nb; b++) {
      const h = hoursOf(b);
      totalHours.hours += h.hours;
      totalHours.calling += h.calling;
      totalHours.maint += h.maint;
    }

    // Status spells, read once for the whole period and cut per bucket.
    const cStart = st.centerStatusAt.get(c.id, from);
    const cChanges = st.centerChanges.all(c.id, from, spellEnd);
    const dark = spellsOf(cStart, cChanges, (s) => s === 'dark');
    const partial = spellsOf(cStart, cChanges, (s) => s === 'partial');
    const centerOutage = (a: number, z: number) => longest(dark, 'dark', a, z, spellEnd) ?? longest(partial, 'partial', a, z, spellEnd);
    const incidents = incidentsOf.get(c.id) ?? [];
    const inBucket = (a: number, z: number) => incidents.filter((i) => i.opened_at < z && (i.closed_at === null || i.closed_at > a)).map((i) => i.id);
    const windowsIn = (a: number, z: number) => (maint?.windows ?? []).filter((w) => w.starts_at < z && w.end > a).map((w) => w.id);

    const centerBuckets: CenterPeriod[] = buckets.map((bk, b) => {
      const h = hoursOf(b);
      const ids = inBucket(bk.from, bk.to);
      return {
        ...(keys[b] as PeriodKey), ...figuresOf(undefined, h.hours, h.calling, h.maint),
        incidents: { count: ids.length, ids }, maintenanceWindows: windowsIn(bk.from, bk.to), longestOutage: centerOutage(bk.from, bk.to),
      };
    });
    const allIds = incidents.map((i) => i.id);
    const centerTotal: CenterPeriod = {
      ...totalKey, ...figuresOf(undefined, totalHours.hours, totalHours.calling, totalHours.maint),
      incidents: { count: allIds.length, ids: allIds }, maintenanceWindows: (maint?.windows ?? []).map((w) => w.id), longestOutage: centerOutage(from, to),
    };

    const chReports: ChannelReport[] = (channelsOf.get(c.id) ?? []).map((ch) => {
      const row = accs.get(ch.ref);
      const chStart = st.channelStatusAt.get(ch.ref, from);
      const chChanges = st.channelChanges.all(ch.ref, from, spellEnd);
      const down = spellsOf(chStart, chChanges, (s) => DOWN_STATUSES.has(s as ChannelStatus));
      const impaired = spellsOf(chStart, chChanges, (s) => IMPAIRED_STATUSES.has(s as ChannelStatus));
      const chOutage = (a: number, z: number) => longest(down, 'down', a, z, spellEnd) ?? longest(impaired, 'impaired', a, z, spellEnd);
      const total: ChannelPeriod = { ...totalKey, ...figuresOf(undefined, totalHours.hours, totalHours.calling, totalHours.maint), longestOutage: chOutage(from, to) };
      const perBucket: ChannelPeriod[] = buckets.map((bk, b) => {
        const h = hoursOf(b);
        const f = figuresOf(row?.[b], h.hours, h.calling, h.maint);
        addInto(total, f);
        addInto(centerBuckets[b] as CenterPeriod, f);
        return { ...(keys[b] as PeriodKey), ...f, longestOutage: chOutage(bk.from, bk.to) };
      });
      finish(total);
      addInto(centerTotal, total);
      return {
        id: ch.id,
        type: ch.type,
        value: ch.value,
        target: ch.target,
        probeable: ch.target !== null,
        archived: ch.archived_at !== null,
        buckets: perBucket,
        total,
      };
    });
    for (const cb of centerBuckets) finish(cb);
    finish(centerTotal);
    return {
      id: c.id,
      name: c.name,
      kind: c.kind,
      city: c.city,
      region: c.region,
      timeZone: tz,
      archived: c.archived_at !== null,
      incidents: incidents.map((i) => ({
        id: i.id,
        openedAt: new Date(i.opened_at).toISOString(),
        closedAt: iso(i.closed_at),
        status: i.status,
        worstStatus: i.worst_status,
        wentDarkAt: iso(i.went_dark_at),
        closeReason: i.close_reason,
        maintenanceId: i.maintenance_id,
      })),
      maintenanceWindows: (maint?.windows ?? []).map((w) => ({
        id: w.id,
        centerId: w.center_id,
        region: w.region,
        from: new Date(w.starts_at).toISOString(),
        to: new Date(w.end).toISOString(),
        reason: w.reason,
        createdBy: w.created_by,
        endedEarly: w.end < w.ends_at,
      })),
      buckets: centerBuckets,
      total: centerTotal,
      channels: chReports,
    };
  });

  return {
    report: 'availability',
    generatedAt: new Date(now).toISOString(),
    period: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      requested: query.requested ?? { from: new Date(query.from).toISOString(), to: new Date(query.to).toISOString() },
      hours: toHour - fromHour,
      timeZone: reportTz,
      granularity: query.granularity,
    },
    filter: { centers: query.centerIds && query.centerIds.length > 0 ? query.centerIds : null, region: query.region ?? null, kind: query.kind ?? null },
    rules: rulesOf(settings, lang, from, to),
    buckets: keys,
    centers: out,
  };
}

/**
 * How big a report would be, without building it: centers, channels and buckets. The API refuses
 * reports whose rows would not fit the daemon's small heap beside its probing.
 */
export function reportShape(db: DB, query: AvailabilityQuery, settings: ReportSettings): { centers: number; channels: number; buckets: number; rows: number } {
  checkPeriod(query.from, query.to);
  const from = floorHour(query.from);
  const centers = selectCenters(db, query, from);
  const channels = selectChannels(db, centers.map((c) => c.id), from).length;
  const buckets = bucketsOf(settings.defaultTz, from, ceilHour(query.to), query.granularity).length;
  return { centers: centers.length, channels, buckets, rows: (centers.length + channels) * (buckets + 1) };
}
