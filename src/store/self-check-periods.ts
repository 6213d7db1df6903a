// The periods in which reachwatch was degraded (its own network, disk or Twilio account failing):
// one row opened when it degrades and closed when it recovers.

import type { DB } from './db.ts';

export class SelfCheckPeriods {
  private readonly db: DB;

  constructor(db: DB) {
    this.db = db;
  }

  /** Opens a period; returns its id. */
  open(startedAt: number, reasons: readonly { check: string; detail: string | null }[]): number {
    return Number(this.db.prepare(`INSERT INTO self_check_periods (started_at, reasons) VALUES (?, ?)`).run(startedAt, JSON.stringify(reasons)).lastInsertRowid);
  }

  close(id: number, endedAt: number): void {
    this.db.prepare(`UPDATE self_check_periods SET ended_at = ? WHERE id = ?`).run(endedAt, id);
  }

  /** Runs `fn` in one transaction (a period and the operator's notice are written together). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
