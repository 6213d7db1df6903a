// What the board says at the top, and which banners it shows: a pure function of what is known.
// A board that has checked nothing must not read "0 of 45 reachable"; while reachwatch's own
// self-check fails, the reader is told the problem is ours before reading any figure.

export interface HeadlineInput {
  total: number;
  /** Centers with a reachable attempt in their last 7 local days. */
  reachable: number;
  /** Centers with at least one channel ever verified (a probe that said something about it). */
  checked: number;
  /** The newest verification of any channel (ms), or null when nothing was ever verified. */
  dataAsOf: number | null;
  /** Set while the self-check fails: since when. */
  degradedSince: number | null;
  /** Maintenance windows not over yet, any scope. */
  maintenance: { startsAt: number; endsAt: number; centerId: string | null; centerName?: string | null; region: string | null; reason: string }[];
  now: number;
}

export type Headline =
  | { kind: 'nothing_checked'; total: number }
  | { kind: 'figures'; reachable: number; total: number; notChecked: number };

export interface Banner {
  kind: 'degraded' | 'maintenance_now' | 'maintenance_upcoming';
  since?: number;
  startsAt?: number;
  endsAt?: number;
  /** The window's scope: a center id, a region, or the whole directory (both null). */
  centerId?: string | null;
  centerName?: string | null;
  region?: string | null;
  reason?: string;
}

export interface HeadlineDecision {
  headline: Headline;
  banners: Banner[];
  dataAsOf: number | null;
}

/** Upcoming windows are announced this far ahead. */
export const UPCOMING_MS = 7 * 86_400_000;

export function headline(i: HeadlineInput): HeadlineDecision {
  const banners: Banner[] = [];
  if (i.degradedSince !== null) banners.push({ kind: 'degraded', since: i.degradedSince });
  const windows = [...i.maintenance].sort((a, b) => a.startsAt - b.startsAt);
  for (const w of windows) {
    if (w.endsAt <= i.now) continue;
    const scope = { centerId: w.centerId, centerName: w.centerName ?? null, region: w.region, reason: w.reason, startsAt: w.startsAt, endsAt: w.endsAt };
    if (w.startsAt <= i.now) banners.push({ kind: 'maintenance_now', ...scope });
    else if (w.startsAt - i.now <= UPCOMING_MS) banners.push({ kind: 'maintenance_upcoming', ...scope });
  }
  const head: Headline =
    i.checked === 0 ? { kind: 'nothing_checked', total: i.total } : { kind: 'figures', reachable: i.reachable, total: i.total, notChecked: i.total - i.checked };
  return { headline: head, banners, dataAsOf: i.dataAsOf };
}
