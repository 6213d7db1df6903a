// Periods of a report: parsing what an auditor types, whole-hour alignment (rollups are per UTC hour,
// so every figure is exact only on hour boundaries), calendar buckets in the report's time zone, and
// the stretches of constant UTC offset that let SQL compute local hours with plain arithmetic.

import { dayStart, localDay, utcOffsetMs } from '../util/local-day.ts';

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const GRANULARITIES = ['day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export const isGranularity = (g: string): g is Granularity => (GRANULARITIES as readonly string[]).includes(g);

/** A report may cover at most this long: two years and a leap day. */
export const MAX_RANGE_MS = 731 * DAY_MS;

export const floorHour = (t: number): number => Math.floor(t / HOUR_MS) * HOUR_MS;
export const ceilHour = (t: number): number => Math.ceil(t / HOUR_MS) * HOUR_MS;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** The day after `date` (YYYY-MM-DD). */
export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

export interface ParsedTime {
  at: number;
  /** A date is a whole local day in the report's zone; an instant is taken as written. */
  kind: 'date' | 'instant';
}

/**
 * `from` or `to` as an auditor writes it: a date (YYYY-MM-DD, a local day in `tz`: `from` is its
 * start, `to` its end, so --from 2026-01-01 --to 2026-03-31 is the first quarter), an ISO 8601
 * date-time with a UTC offset or Z, or epoch milliseconds. A date-time without an offset is refused:
 * its zone would be a guess.
 */
export function parseReportTime(value: string, tz: string, end: boolean): ParsedTime | null {
  // Years 1970–9999 only: beyond them a Date cannot be printed, and nothing was probed then anyway.
  const inRange = (t: number) => Number.isFinite(t) && t >= 0 && t < Date.UTC(10000, 0, 1) - 2 * 86_400_000;
  let at: number;
  let kind: ParsedTime['kind'] = 'instant';
  if (isDate(value)) {
    if (!inRange(Date.parse(`${value}T00:00:00Z`))) return null;
    at = dayStart(tz, end ? nextDate(value) : value);
    kind = 'date';
  } else if (/^\d{1,16}$/.test(value)) at = Number(value);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) at = Date.parse(value);
  else return null;
  return inRange(at) ? { at, kind } : null;
}

export interface Bucket {
  /** 2026-03-02 (day), 2026-W10 (ISO week), 2026-03 (month). */
  key: string;
  /** Whole UTC hours; the first and last buckets are clipped to the report's period. */
  from: number;
  to: number;
}

/** ISO 8601 week of a date: 2026-W01 is the week with the year's first Thursday. */
export function isoWeek(date: string): string {
  const d = Date.parse(`${date}T00:00:00Z`);
  const weekday = (new Date(d).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(d + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function bucketKey(date: string, g: Granularity): string {
  if (g === 'day') return date;
  if (g === 'week') return isoWeek(date);
  return date.slice(0, 7);
}

/** The first date of the bucket after the one holding `date`. */
function nextBucketDate(date: string, g: Granularity): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (g === 'day') return nextDate(date);
  if (g === 'week') return new Date(d.getTime() + (7 - ((d.getUTCDay() + 6) % 7)) * DAY_MS).toISOString().slice(0, 10);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}

/**
 * Calendar buckets covering [from, to) in `tz`. Boundaries are local midnights rounded up to a whole
 * UTC hour (the same in every zone with whole-hour offsets), so an hour belongs to the bucket in
 * which it starts.
 */
export function bucketsOf(tz: string, from: number, to: number, g: Granularity): Bucket[] {
  const out: Bucket[] = [];
  let start = from;
  while (start < to) {
    const date = localDay(tz, start);
    const end = Math.min(to, ceilHour(dayStart(tz, nextBucketDate(date, g))));
    out.push({ key: bucketKey(date, g), from: start, to: end });
    start = end;
  }
  return out;
}

export interface OffsetSegment {
  /** UTC hour numbers (epoch ms / 3,600,000), [fromHour, toHour). */
  fromHour: number;
  toHour: number;
  offsetMin: number;
}

const offsetMin = (tz: string, hour: number): number => Math.round(utcOffsetMs(tz, hour * HOUR_MS) / 60_000);

/** Stretches of [fromHour, toHour) over which `tz` keeps one UTC offset (offsets change on hour boundaries). */
export function offsetSegments(tz: string, fromHour: number, toHour: number): OffsetSegment[] {
  const out: OffsetSegment[] = [];
  let start = fromHour;
  let off = offsetMin(tz, start);
  let h = start;
  while (h < toHour) {
    const next = Math.min(h + 24, toHour);
    if (next < toHour && offsetMin(tz, next) !== off) {
      // A transition within (h, next]: find its first hour.
      let lo = h;
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMin(tz, mid) === off) lo = mid;
        else hi = mid;
      }
      out.push({ fromHour: start, toHour: hi, offsetMin: off });
      start = hi;
      off = offsetMin(tz, hi);
      h = hi;
      continue;
    }
    h = next;
  }
  out.push({ fromHour: start, toHour, offsetMin: off });
  return out;
}

/** Where both zones keep their offsets: the pieces of two segmentations of the same range. */
export function intersectSegments(a: OffsetSegment[], b: OffsetSegment[]): { fromHour: number; toHour: number; a: number; b: number }[] {
  const out: { fromHour: number; toHour: number; a: number; b: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as OffsetSegment;
    const y = b[j] as OffsetSegment;
    const from = Math.max(x.fromHour, y.fromHour);
    const to = Math.min(x.toHour, y.toHour);
    if (from < to) out.push({ fromHour: from, toHour: to, a: x.offsetMin, b: y.offsetMin });
    if (x.toHour <= y.toHour) i++;
    else j++;
  }
  return out;
}

/** "2026-03-02 14:05 +05:00": local wall time in `tz` with its offset, for people. */
export function localStamp(t: number, tz: string): string {
  const off = utcOffsetMs(tz, t);
  const local = new Date(t + off).toISOString();
  const abs = Math.abs(off) / 60_000;
  const sign = off < 0 ? '-' : '+';
  return `${local.slice(0, 10)} ${local.slice(11, 16)} ${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** "3 d 4 h 15 min". */
export function formatDuration(ms: number): string {
  const min = Math.round(ms / 60_000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m || (!d && !h) ? `${m} min` : ''].filter(Boolean);
  return parts.join(' ');
}
