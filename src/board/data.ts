// What the board shows, read from the rollups and the current state: never a scan of raw probes.

import { SqliteBoardRepository, type BoardRepository } from '../store/board.ts';
import type { DB } from '../store/db.ts';
import type { CenterView, IncidentView, Queries } from '../store/queries.ts';
import { availability } from '../status/availability.ts';
import { localDay } from '../util/local-day.ts';

export interface DayFigures {
  reachable: number;
  down: number;
  impaired: number;
  probes: number;
}

export interface BarDay extends DayFigures {
  day: string;
}

export interface RegionSummary {
  region: string | null;
  total: number;
  reachable: number;
}

export interface ProbeLine {
  channelId: string;
  startedAt: number;
  method: string;
  outcome: string;
  reason: string;
  flags: string[];
  /** How many attempts the probe stands for (a manual record of several calls), and when the first was made. */
  attempts: number;
  firstAt: number | null;
  /** The vantage point of an agent's probe; null or absent for the central's own. */
  vantage?: string | null;
}

export interface WindowFigures extends DayFigures {
  days: number;
  availability: number | null;
}

const DAY_MS = 86_400_000;

/** The `n` local days ending today in `tz`, oldest first. */
export function lastDays(tz: string, now: number, n: number): string[] {
  const today = Date.parse(`${localDay(tz, now)}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

export class BoardData {
  readonly queries: Queries;
  private readonly defaultTz: string;
  private readonly repo: BoardRepository;

  /** `db`: the SQLite file, or any other engine's board repository. */
  constructor(db: DB | BoardRepository, queries: Queries, defaultTz: string) {
    this.queries = queries;
    this.defaultTz = defaultTz;
    this.repo = 'recentProbes' in db ? db : new SqliteBoardRepository(db);
  }

  tzOf(c: { tz: string | null }): string {
    return c.tz ?? this.defaultTz;
  }

  centers(): CenterView[] {
    return this.queries.centers();
  }

  /** Centers with a reachable attempt in their last 7 local days, by region. */
  summary(centers: CenterView[], now: number): { total: number; reachable: number; regions: RegionSummary[] } {
    const earliest = new Date(now - 8 * DAY_MS).toISOString().slice(0, 10);
    const lastReachableDay = new Map(this.repo.lastReachableDays(earliest).map((r) => [r.center_id, r.day]));
    const regions = new Map<string | null, RegionSummary>();
    let reachable = 0;
    const fromOf = new Map<string, string>();
    for (const c of centers) {
      const tz = this.tzOf(c);
      let from = fromOf.get(tz);
      if (from === undefined) {
        from = lastDays(tz, now, 7)[0] as string;
        fromOf.set(tz, from);
      }
      const ok = (lastReachableDay.get(c.id) ?? '') >= from;
      if (ok) reachable++;
      const r = regions.get(c.region) ?? { region: c.region, total: 0, reachable: 0 };
      r.total++;
      if (ok) r.reachable++;
      regions.set(c.region, r);
    }
    return { total: centers.length, reachable, regions: [...regions.values()] };
  }

  /** The center's 90-day bar: one entry per local day, oldest first; days without a row are no data. */
  bar(center: CenterView, now: number, n = 90): BarDay[] {
    const days = lastDays(this.tzOf(center), now, n);
    const rows = new Map(this.repo.centerDays(center.id, days[0] as string).map((r) => [r.day, r]));
    return days.map((day) => rows.get(day) ?? { day, reachable: 0, down: 0, impaired: 0, probes: 0 });
  }

  /** Sums over the last `days` local days of the center. */
  window(bar: BarDay[], days: number): WindowFigures {
    const slice = bar.slice(-days);
    const sum = slice.reduce((a, d) => ({ reachable: a.reachable + d.reachable, down: a.down + d.down, impaired: a.impaired + d.impaired, probes: a.probes + d.probes }), {
      reachable: 0, down: 0, impaired: 0, probes: 0,
    });
    return { ...sum, days, availability: availability(sum) };
  }

  channelWindow(channelId: string, now: number, days: number): WindowFigures {
    const sum = this.repo.channelHoursSince(channelId, Math.floor((now - days * DAY_MS) / 3_600_000)) ?? { reachable: 0, down: 0, impaired: 0, probes: 0 };
    return { ...sum, days, availability: availability(sum) };
  }

  incidents(centerId: string): IncidentView[] {
    return this.queries.incidents({ centerId, limit: 50 });
  }

  /** The latest probes of a center, newest first (one index range per channel, merged). */
  recentProbes(center: CenterView, limit: number): ProbeLine[] {
    const lines: ProbeLine[] = [];
    for (const ch of center.channels) {
      for (const r of this.repo.recentProbes(ch.id, limit)) {
        lines.push({
          channelId: ch.id, startedAt: r.started_at, method: r.method, outcome: r.outcome, reason: r.reason, flags: r.flags ? r.flags.split(',') : [],
          attempts: r.attempts, firstAt: r.attempts > 1 ? r.first_at : null, vantage: r.vantage ?? null,
        });
      }
    }
    return lines.sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
  }

  /** Channels verified reachable within `days`: the public directory. */
  verified(days: number, now: number): { center: CenterView; channels: CenterView['channels'] }[] {
    const cutoff = now - days * DAY_MS;
    return this.centers()
      .map((center) => ({
        center,
        channels: center.channels.filter((ch) => !ch.archived && ch.status === 'reachable' && ch.lastReachableAt !== null && Date.parse(ch.lastReachableAt) >= cutoff),
      }))
      .filter((e) => e.channels.length > 0);
  }
}
