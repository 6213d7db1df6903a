// What the board says at the top, and which banners every public page shows: pure functions of
// what is known. A board that has checked nothing must not read "0 of 45 reachable"; while
// reachwatch's own self-check fails, the reader is told the problem is ours before any figure.

export type Headline =
  | { kind: 'nothing_checked'; total: number }
  | { kind: 'figures'; reachable: number; total: number; notChecked: number };

/**
 * `reachable`: centers with a reachable attempt in their last 7 local days; `checked`: centers with
 * at least one channel ever verified (a probe that said something about it, not our own failure).
 */
export function headline(i: { total: number; reachable: number; checked: number }): Headline {
  return i.checked === 0 ? { kind: 'nothing_checked', total: i.total } : { kind: 'figures', reachable: i.reachable, total: i.total, notChecked: i.total - i.checked };
}

export interface MaintenanceNotice {
  startsAt: number;
  endsAt: number;
  /** The window's scope: a center (id and name), a region, or the whole directory (all null). */
  centerId: string | null;
  centerName?: string | null;
  region: string | null;
  reason: string;
}

export type Banner = { kind: 'degraded'; since: number } | ({ kind: 'maintenance_now' | 'maintenance_upcoming' } & MaintenanceNotice);

/** Upcoming windows are announced this far ahead. */
export const UPCOMING_MS = 7 * 86_400_000;

/**
 * The banners, in order: our own failure first (`degradedSince`, set while the self-check fails),
 * then windows in progress, then windows starting within UPCOMING_MS; past ones are not shown.
 */
export function banners(degradedSince: number | null, windows: readonly MaintenanceNotice[], now: number): Banner[] {
  const out: Banner[] = [];
  if (degradedSince !== null) out.push({ kind: 'degraded', since: degradedSince });
  for (const w of [...windows].sort((a, b) => a.startsAt - b.startsAt)) {
    if (w.endsAt <= now) continue;
    if (w.startsAt <= now) out.push({ kind: 'maintenance_now', ...w });
    else if (w.startsAt - now <= UPCOMING_MS) out.push({ kind: 'maintenance_upcoming', ...w });
  }
  return out;
}
