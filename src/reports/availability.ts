// Availability reports for auditors: any period, any set of centers, by day, week or month. Built from
// the hourly rollups (channel_hours) with SQL doing the sums, plus index seeks for the exact first and
// last reachable probe, incidents, maintenance windows and status changes. Raw probes are never
// scanned, so a quarter of 1,000 centers takes well under a second.

import type { Language } from '../i18n/languages.ts';
import type { CallingWindow } from '../calling/policy.ts';
import type { Config } from '../config/config.ts';
import type { ChannelStatus, Outcome } from '../domain.ts';
import { outcomeClass } from '../status/availability.ts';
import { DOWN_STATUSES, IMPAIRED_STATUSES } from '../status/center.ts';
import { phoneStatusRules } from '../status/rules.ts';
import type { DB } from '../store/db.ts';
import { reportStore, type ChannelSet, type ReportCenter } from '../store/reports.ts';
import { addSums, assembleCenters, planReport, pointFigures, reachableSeeks, type Acc, type Accs } from './availability-compute.ts';
import { bucketsOf, ceilHour, floorHour, HOUR_MS, MAX_RANGE_MS, type Granularity } from './periods.ts';
import type { AvailabilityReport, ReportRules } from './report-types.ts';
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

// ------------------------------------------------------------------------------------------------

/** Centers matching the filter, in the board's order (region, then name). */
export function selectCenters(all: ReportCenter[], filter: CenterFilter, from: number): ReportCenter[] {
  let rows: ReportCenter[];
  if (filter.centerIds && filter.centerIds.length > 0) {
    const byId = new Map(all.map((c) => [c.id, c]));
    const missing = filter.centerIds.filter((id) => !byId.has(id));
    if (missing.length > 0) throw new UnknownCenterError(missing);
    const wanted = new Set(filter.centerIds);
    rows = all.filter((c) => wanted.has(c.id));
  } else {
    // Not archived before the period began (one added later shows no data, never down).
    rows = all.filter((c) => c.archivedAt === null || c.archivedAt > from);
  }
  if (filter.region !== undefined) rows = rows.filter((c) => c.region === filter.region);
  if (filter.kind !== undefined) rows = rows.filter((c) => c.kind === filter.kind);
  return rows.sort((a, b) => (a.region === null ? 1 : 0) - (b.region === null ? 1 : 0) || (a.region ?? '').localeCompare(b.region ?? '') || a.name.localeCompare(b.name) || a.pos - b.pos);
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
    // The phone rules the monitor applies, from the one place they are written.
    spread: { ...phoneStatusRules({ confirmations: settings.confirmations }, settings).spread, slot: 'local day and half-day (before/after 13:00)' },
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
 * The availability report. Reads rollups, incidents, maintenance windows and status changes through
 * the reports store, and seeks probes only for the exact first and last reachable time; the
 * arithmetic is availability-compute.ts, pure (`now` is only where spells still going on are cut).
 */
/** `onProgress`: after each read of the rollups, how many of how many (the CLI's progress line; the loop is synchronous, the line is not). */
export function buildAvailabilityReport(db: DB, query: AvailabilityQuery, settings: ReportSettings, opts: { now?: number; onProgress?: (done: number, total: number) => void } = {}): AvailabilityReport {
  const now = opts.now ?? Date.now();
  checkPeriod(query.from, query.to);
  const from = floorHour(query.from);
  const to = ceilHour(query.to);
  const lang = query.lang ?? 'en';
  const reportTz = settings.defaultTz;
  const store = reportStore(db);

  const centers = selectCenters(store.centers(), query, from);
  const channels = store.channels(centers.map((c) => c.id), from);
  const plan = planReport({
    from, to, reportTz, callingHours: settings.callingHours, buckets: bucketsOf(reportTz, from, to, query.granularity),
    centers, channels, windows: store.maintenanceWindows(from, to),
  });
  const sets = plan.sets.map((refs) => store.channelSet(refs));
  const accs: Accs = new Map();
  plan.sums.forEach((r, i) => {
    addSums(plan, accs, r, store.sums(sets[r.set] as ChannelSet, r.a, r.z));
    opts.onProgress?.(i + 1, plan.sums.length);
  });
  const seeks = reachableSeeks(plan, accs);
  store.reachableTimes(seeks.ranges).forEach((t, i) => {
    const acc = seeks.accs[i] as Acc;
    acc.firstAt = t.first;
    acc.lastAt = t.last;
  });

  const spellEnd = Math.min(to, Math.max(now, from));
  const centerHistory = new Map(centers.map((c) => [c.id, { start: store.centerStatusAt(c.id, from), changes: store.centerChanges(c.id, from, spellEnd) }]));
  const channelHistory = new Map(channels.map((ch) => [ch.ref, { start: store.channelStatusAt(ch.ref, from), changes: store.channelChanges(ch.ref, from, spellEnd) }]));
  const out = assembleCenters({
    plan, accs, centerHistory, channelHistory, incidents: store.incidents(centers.map((c) => c.id), from, to), spellEnd,
    outages: { isDown: (s) => DOWN_STATUSES.has(s as ChannelStatus), isImpaired: (s) => IMPAIRED_STATUSES.has(s as ChannelStatus) },
  });

  // A channel seen from several vantage points: what each saw (from the raw probes, which carry the point).
  const multi = store.multiPointChannels();
  if (multi.size > 0) {
    const refOf = new Map(channels.map((ch) => [ch.id, ch.ref]));
    const classOf = (o: string) => outcomeClass(o as Outcome);
    for (const c of out) {
      for (const ch of c.channels) {
        const ref = refOf.get(ch.id);
        if (ref !== undefined && multi.has(ref)) ch.vantage = pointFigures(store.attemptsByPoint(ref, from, to), classOf);
      }
    }
  }

  return {
    report: 'availability',
    generatedAt: new Date(now).toISOString(),
    period: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      requested: query.requested ?? { from: new Date(query.from).toISOString(), to: new Date(query.to).toISOString() },
      hours: (to - from) / HOUR_MS,
      timeZone: reportTz,
      granularity: query.granularity,
    },
    filter: { centers: query.centerIds && query.centerIds.length > 0 ? query.centerIds : null, region: query.region ?? null, kind: query.kind ?? null },
    rules: rulesOf(settings, lang, from, to),
    buckets: plan.buckets.map((b) => ({ key: b.key, from: new Date(b.from).toISOString(), to: new Date(b.to).toISOString() })),
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
  const store = reportStore(db);
  const centers = selectCenters(store.centers(), query, from);
  const channels = store.channels(centers.map((c) => c.id), from).length;
  const buckets = bucketsOf(settings.defaultTz, from, ceilHour(query.to), query.granularity).length;
  return { centers: centers.length, channels, buckets, rows: (centers.length + channels) * (buckets + 1) };
}
