// The arithmetic of an availability report, over rows the store read: which hour ranges to sum
// (buckets, calling hours per zone, maintenance hours), the figures from those sums, status spells
// and the longest outage, and the report assembled from them. Pure: no database, no clock (`now`
// is given, and only cuts spells still going on).

import { availability } from '../status/availability.ts';
import type { ChannelSums, ReportCenter, ReportChannel, ReportIncident, ReportWindow, StatusPoint } from '../store/reports.ts';
import { formatDuration, HOUR_MS, intersectSegments, offsetSegments, type Bucket } from './periods.ts';
import type { CallingWindow } from '../calling/policy.ts';
import type { CenterPeriod, CenterReport, ChannelPeriod, ChannelReport, Figures, Outage, OutcomeCounts, PeriodKey, PointFigures } from './report-types.ts';

/** Per channel and bucket: everything the SQL sums, for all hours and for maintenance hours. */
export class Acc {
  // reachable, down, impaired, inconclusive, errors; then the same in calling hours.
  readonly all = new Float64Array(10);
  readonly maint = new Float64Array(10);
  firstAt: number | null = null;
  lastAt: number | null = null;
}

/** A window with the time it really ended (early, when cancelled). */
export type EndedWindow = ReportWindow & { end: number };

/** One hour range to sum for a set of channels, and where its sums go. */
export interface SumRequest {
  /** Index into ReportPlan.sets. */
  set: number;
  /** UTC hours [a, z). */
  a: number;
  z: number;
  bucket: number;
  target: 'all' | 'maint';
  calling: boolean;
}

export interface ReportPlan {
  from: number;
  to: number;
  buckets: Bucket[];
  bucketHours: (readonly [number, number])[];
  centers: ReportCenter[];
  channelsOf: Map<string, ReportChannel[]>;
  tzOf: (c: ReportCenter) => string;
  /** The channel refs of each set summed together. */
  sets: number[][];
  sums: SumRequest[];
  /** Per zone and bucket: hours that overlap calling hours. */
  zoneCallingHours: Map<string, number[]>;
  /** Per center with maintenance: its maintenance hours per bucket (all, and in calling hours), and its windows. */
  maintenance: Map<string, { hours: number[]; calling: number[]; windows: EndedWindow[] }>;
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

/**
 * What to sum: every hour of every bucket for all channels at once; per zone (every center of a zone
 * shares its local hours) the runs of whole hours that overlap calling hours, cut at bucket
 * boundaries; and per center under maintenance its maintenance hours, kept apart to be taken out.
 */
export function planReport(p: {
  from: number; to: number; reportTz: string; callingHours: CallingWindow; buckets: Bucket[];
  centers: ReportCenter[]; channels: ReportChannel[]; windows: ReportWindow[];
}): ReportPlan {
  const { from, to, reportTz, buckets } = p;
  const fromHour = from / HOUR_MS;
  const toHour = to / HOUR_MS;
  const nb = buckets.length;
  const bucketHours = buckets.map((b) => [b.from / HOUR_MS, b.to / HOUR_MS] as const);
  const tzOf = (c: ReportCenter) => c.tz ?? reportTz;
  const channelsOf = new Map<string, ReportChannel[]>();
  for (const ch of p.channels) {
    const list = channelsOf.get(ch.centerId);
    if (list) list.push(ch);
    else channelsOf.set(ch.centerId, [ch]);
  }
  const sets: number[][] = [];
  const sums: SumRequest[] = [];
  const addSet = (refs: number[]): number => sets.push(refs) - 1;
  const sum = (set: number, a: number, z: number, bucket: number, target: 'all' | 'maint', calling: boolean) => {
    if (a < z && (sets[set] as number[]).length > 0) sums.push({ set, a, z, bucket, target, calling });
  };

  const win = p.callingHours;
  const mask = win.days.reduce((m, d) => m | (1 << d), 0);
  const fromMin = toMinutes(win.from);
  const toMin = toMinutes(win.to);

  const all = addSet(p.channels.map((ch) => ch.ref));
  for (let b = 0; b < nb; b++) {
    const [ba, bb] = bucketHours[b] as readonly [number, number];
    sum(all, ba, bb, b, 'all', false);
  }

  const zones = new Map<string, ReportCenter[]>();
  for (const c of p.centers) {
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
    const set = addSet(list.flatMap((c) => (channelsOf.get(c.id) ?? []).map((ch) => ch.ref)));
    for (const r of runs) sum(set, r.a, r.z, r.b, 'all', true);
  }

  // Maintenance windows in force at some time in the period (a window ended early ends then).
  const windows: EndedWindow[] = p.windows
    .map((w) => ({ ...w, end: w.cancelledAt !== null ? Math.min(w.endsAt, w.cancelledAt) : w.endsAt }))
    .filter((w) => w.end > w.startsAt && w.end > from);
  const maintenance = new Map<string, { hours: number[]; calling: number[]; windows: EndedWindow[] }>();
  for (const c of p.centers) {
    const mine = windows.filter((w) => w.centerId === c.id || (w.region !== null && w.region === c.region));
    if (mine.length === 0) continue;
    const intervals = mergeHours(mine.map((w) => ({ from: w.startsAt, to: w.end })), fromHour, toHour);
    const hours = new Array<number>(nb).fill(0);
    const calling = new Array<number>(nb).fill(0);
    const set = addSet((channelsOf.get(c.id) ?? []).map((ch) => ch.ref));
    for (const [ia, ib] of intervals) {
      for (let b = 0; b < nb; b++) {
        const [ba, bb] = bucketHours[b] as readonly [number, number];
        const a = Math.max(ia, ba);
        const z = Math.min(ib, bb);
        if (a >= z) continue;
        hours[b] = (hours[b] as number) + (z - a);
        sum(set, a, z, b, 'maint', false);
      }
      for (const r of zoneRuns.get(tzOf(c)) ?? []) {
        const a = Math.max(ia, r.a);
        const z = Math.min(ib, r.z);
        if (a >= z) continue;
        calling[r.b] = (calling[r.b] as number) + (z - a);
        sum(set, a, z, r.b, 'maint', true);
      }
    }
    maintenance.set(c.id, { hours, calling, windows: mine });
  }

  return { from, to, buckets, bucketHours, centers: p.centers, channelsOf, tzOf, sets, sums, zoneCallingHours, maintenance };
}

/** Per channel ref and bucket: the accumulated sums; created only where there is data. */
export type Accs = Map<number, (Acc | undefined)[]>;

/** Adds the sums one request returned into the accumulators (one request at a time: no result is kept). */
export function addSums(plan: ReportPlan, accs: Accs, req: SumRequest, rows: readonly ChannelSums[]): void {
  const o = req.calling ? 5 : 0;
  for (const r of rows) {
    let row = accs.get(r[0]);
    if (!row) {
      row = new Array<Acc | undefined>(plan.buckets.length);
      accs.set(r[0], row);
    }
    let acc = row[req.bucket];
    if (!acc) {
      acc = new Acc();
      row[req.bucket] = acc;
    }
    const arr = acc[req.target];
    for (let k = 0; k < 5; k++) arr[o + k] = (arr[o + k] as number) + (r[k + 1] as number);
  }
}

/** The (channel, bucket) pairs with a reachable probe, whose exact first and last reachable time is sought. */
export function reachableSeeks(plan: ReportPlan, accs: Accs): { accs: Acc[]; ranges: [number, number, number][] } {
  const out: { accs: Acc[]; ranges: [number, number, number][] } = { accs: [], ranges: [] };
  for (const [ref, row] of accs) {
    for (let b = 0; b < plan.buckets.length; b++) {
      const acc = row[b];
      if (!acc || acc.all[0] === 0) continue;
      const [ba, bb] = plan.bucketHours[b] as readonly [number, number];
      out.accs.push(acc);
      out.ranges.push([ref, ba, bb]);
    }
  }
  return out;
}

/** The status in force at the period's start and the changes after it, up to the report's end. */
export interface StatusHistory {
  start: StatusPoint | undefined;
  changes: StatusPoint[];
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
function spellsOf(h: StatusHistory, set: (s: string) => boolean): Spell[] {
  const spells: Spell[] = [];
  const start = h.start;
  let cur: Spell | null = start && set(start.status) ? { from: start.at, to: Infinity, statuses: [start.status], incidentId: start.incidentId } : null;
  for (const ch of h.changes) {
    if (set(ch.status)) {
      if (cur) {
        if (!cur.statuses.includes(ch.status)) cur.statuses.push(ch.status);
      } else cur = { from: ch.at, to: Infinity, statuses: [ch.status], incidentId: ch.incidentId };
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

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
const counts = (a: Float64Array, o: number): OutcomeCounts => ({
  reachable: a[o] as number,
  down: a[o + 1] as number,
  impaired: a[o + 2] as number,
  inconclusive: a[o + 3] as number,
  errors: a[o + 4] as number,
});
const probesOf = (a: Float64Array, o: number): number => (a[o] as number) + (a[o + 1] as number) + (a[o + 2] as number) + (a[o + 3] as number) + (a[o + 4] as number);

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

/** The center and channel statuses that count as an outage of each kind. */
export interface OutageRules {
  isDown: (status: string) => boolean;
  isImpaired: (status: string) => boolean;
}

/** Each center's report: figures per bucket and in total, outages, incidents and maintenance. */
export function assembleCenters(a: {
  plan: ReportPlan;
  accs: Accs;
  centerHistory: Map<string, StatusHistory>;
  channelHistory: Map<number, StatusHistory>;
  incidents: ReportIncident[];
  /** Where spells still going on are cut: the period's end, or the report's time if earlier. */
  spellEnd: number;
  outages: OutageRules;
}): CenterReport[] {
  const { plan, accs, spellEnd } = a;
  const { from, to, buckets, bucketHours } = plan;
  const nb = buckets.length;
  const noHistory: StatusHistory = { start: undefined, changes: [] };
  const incidentsOf = new Map<string, ReportIncident[]>();
  for (const r of a.incidents) {
    const list = incidentsOf.get(r.center_id);
    if (list) list.push(r);
    else incidentsOf.set(r.center_id, [r]);
  }
  const periodKey = (b: Bucket): PeriodKey => ({ key: b.key, from: new Date(b.from).toISOString(), to: new Date(b.to).toISOString() });
  const keys = buckets.map(periodKey);
  const totalKey = periodKey({ key: 'total', from, to });

  return plan.centers.map((c) => {
    const tz = plan.tzOf(c);
    const maint = plan.maintenance.get(c.id);
    const callingPerBucket = plan.zoneCallingHours.get(tz) ?? new Array<number>(nb).fill(0);
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
    const cHistory = a.centerHistory.get(c.id) ?? noHistory;
    const dark = spellsOf(cHistory, (s) => s === 'dark');
    const partial = spellsOf(cHistory, (s) => s === 'partial');
    const centerOutage = (x: number, z: number) => longest(dark, 'dark', x, z, spellEnd) ?? longest(partial, 'partial', x, z, spellEnd);
    const incidents = incidentsOf.get(c.id) ?? [];
    const inBucket = (x: number, z: number) => incidents.filter((i) => i.opened_at < z && (i.closed_at === null || i.closed_at > x)).map((i) => i.id);
    const windowsIn = (x: number, z: number) => (maint?.windows ?? []).filter((w) => w.startsAt < z && w.end > x).map((w) => w.id);

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

    const chReports: ChannelReport[] = (plan.channelsOf.get(c.id) ?? []).map((ch) => {
      const row = accs.get(ch.ref);
      const chHistory = a.channelHistory.get(ch.ref) ?? noHistory;
      const down = spellsOf(chHistory, a.outages.isDown);
      const impaired = spellsOf(chHistory, a.outages.isImpaired);
      const chOutage = (x: number, z: number) => longest(down, 'down', x, z, spellEnd) ?? longest(impaired, 'impaired', x, z, spellEnd);
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
        archived: ch.archivedAt !== null,
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
      archived: c.archivedAt !== null,
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
        centerId: w.centerId,
        region: w.region,
        from: new Date(w.startsAt).toISOString(),
        to: new Date(w.end).toISOString(),
        reason: w.reason,
        createdBy: w.createdBy,
        endedEarly: w.end < w.endsAt,
      })),
      buckets: centerBuckets,
      total: centerTotal,
      channels: chReports,
    };
  });
}

/**
 * What each vantage point saw of one channel, from its attempts by point and outcome: the same classes
 * and the same availability rule as the rest of the report (our errors and inconclusive attempts
 * count as probes, never as down). The central comes first, then the points by name.
 */
export function pointFigures(rows: readonly { point: string; outcome: string; n: number }[], classOf: (outcome: string) => keyof OutcomeCounts): PointFigures[] {
  const by = new Map<string, PointFigures>();
  for (const r of rows) {
    let f = by.get(r.point);
    if (!f) {
      f = { point: r.point, probes: 0, outcomes: { reachable: 0, down: 0, impaired: 0, inconclusive: 0, errors: 0 }, availability: null };
      by.set(r.point, f);
    }
    f.probes += r.n;
    f.outcomes[classOf(r.outcome)] += r.n;
  }
  for (const f of by.values()) {
    const counted = f.outcomes.reachable + f.outcomes.down + f.outcomes.impaired;
    f.availability = counted === 0 ? null : f.outcomes.reachable / counted;
  }
  return [...by.values()].sort((a, b) => (a.point === 'central' ? -1 : b.point === 'central' ? 1 : a.point.localeCompare(b.point)));
}
