// Counts read at every Prometheus scrape; prepared once.

import type { DB } from './connection.ts';

export interface MetricsRepository {
  /** Listed (not archived) centers by status; a center without a state row counts as 'unknown'. */
  centersByStatus(): { status: string; n: number }[];
  openIncidents(): number;
  /** Each listed (not archived) center with its region ('' when none) and status ('unknown' without a state row). */
  centerStatuses(): { center: string; region: string; status: string }[];
}

export class SqliteMetricsRepository implements MetricsRepository {
  private readonly centerCount;
  private readonly openIncidentCount;
  private readonly centerStatus;

  constructor(db: DB) {
    this.centerCount = db.prepare<[], { status: string; n: number }>(
      `SELECT COALESCE(s.status, 'unknown') AS status, COUNT(*) AS n FROM centers c LEFT JOIN center_state s ON s.center_id = c.id WHERE c.archived_at IS NULL GROUP BY 1`,
    );
    this.openIncidentCount = db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM incidents WHERE closed_at IS NULL`);
    this.centerStatus = db.prepare<[], { center: string; region: string; status: string }>(
      `SELECT c.id AS center, COALESCE(c.region, '') AS region, COALESCE(s.status, 'unknown') AS status FROM centers c LEFT JOIN center_state s ON s.center_id = c.id WHERE c.archived_at IS NULL ORDER BY c.id`,
    );
  }

  centerStatuses(): { center: string; region: string; status: string }[] {
    return this.centerStatus.all();
  }

  centersByStatus(): { status: string; n: number }[] {
    return this.centerCount.all();
  }

  openIncidents(): number {
    return this.openIncidentCount.get()?.n ?? 0;
  }
}
