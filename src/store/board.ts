// What the board reads besides the centers themselves: the rollups and the latest probes of a
// channel. Every statement is an index range, prepared once: the board is the busiest reader.

import type { DB } from './connection.ts';
import { PROBE_ATTEMPTS_SQL } from './rollups.ts';
import type { CenterDayRow, ChannelHourRow, ProbeRow } from './rows.ts';

export type DayCounts = Pick<CenterDayRow, 'reachable' | 'down' | 'impaired' | 'probes'>;

/** A probe as the board lists it: `attempts` is how many calls a manual record stands for, `first_at` when the first was made. */
export type RecentProbeRow = Pick<ProbeRow, 'started_at' | 'method' | 'outcome' | 'reason' | 'flags' | 'vantage'> & { attempts: number; first_at: number | null };

export interface BoardRepository {
  /** Per center, the last day on or after `fromDay` with a reachable probe (centers without one are absent). */
  lastReachableDays(fromDay: string): Pick<CenterDayRow, 'center_id' | 'day'>[];
  /** The center's day rows from `fromDay` on, oldest first. */
  centerDays(centerId: string, fromDay: string): (DayCounts & Pick<CenterDayRow, 'day'>)[];
  /** The channel's hour rows from `fromHour` on, summed (zeros when none). */
  channelHoursSince(channelId: string, fromHour: ChannelHourRow['hour']): DayCounts | undefined;
  /** The channel's latest probes, newest first. */
  recentProbes(channelId: string, limit: number): RecentProbeRow[];
}

export class SqliteBoardRepository implements BoardRepository {
  private readonly reachableDays;
  private readonly centerDaysStmt;
  private readonly hoursOf;
  private readonly recentOf;

  constructor(db: DB) {
    this.reachableDays = db.prepare<[string], Pick<CenterDayRow, 'center_id' | 'day'>>(
      `SELECT center_id, MAX(day) AS day FROM center_days WHERE day >= ? AND reachable > 0 GROUP BY center_id`,
    );
    this.centerDaysStmt = db.prepare<[string, string], DayCounts & Pick<CenterDayRow, 'day'>>(
      `SELECT day, reachable, down, impaired, probes FROM center_days WHERE center_id = ? AND day >= ? ORDER BY day`,
    );
    this.hoursOf = db.prepare<[string, number], DayCounts>(
      `SELECT COALESCE(SUM(h.reachable), 0) AS reachable, COALESCE(SUM(h.down), 0) AS down, COALESCE(SUM(h.impaired), 0) AS impaired, COALESCE(SUM(h.probes), 0) AS probes
       FROM channel_hours h WHERE h.channel_ref = (SELECT ref FROM channels WHERE id = ?) AND h.hour >= ?`,
    );
    this.recentOf = db.prepare<[string, number], RecentProbeRow>(
      `SELECT started_at, method, outcome, reason, flags, vantage, ${PROBE_ATTEMPTS_SQL} AS attempts,
         CASE WHEN method = 'manual' THEN evidence ->> '$.attempts.first' END AS first_at
       FROM probes WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?) ORDER BY started_at DESC, id DESC LIMIT ?`,
    );
  }

  lastReachableDays(fromDay: string): Pick<CenterDayRow, 'center_id' | 'day'>[] {
    return this.reachableDays.all(fromDay);
  }

  centerDays(centerId: string, fromDay: string): (DayCounts & Pick<CenterDayRow, 'day'>)[] {
    return this.centerDaysStmt.all(centerId, fromDay);
  }

  channelHoursSince(channelId: string, fromHour: number): DayCounts | undefined {
    return this.hoursOf.get(channelId, fromHour);
  }

  recentProbes(channelId: string, limit: number): RecentProbeRow[] {
    return this.recentOf.all(channelId, limit);
  }
}
