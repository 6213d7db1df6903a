// The maintenance_windows table. activeFor runs for every center evaluation, so it is prepared once.

import type { DB } from './connection.ts';
import type { MaintenanceWindowRow } from './rows.ts';

/** A window as written: who declared it and when are given separately. */
export type WindowWrite = Pick<MaintenanceWindowRow, 'center_id' | 'region' | 'starts_at' | 'ends_at' | 'reason'>;

export interface MaintenanceRepository {
  /** The uncancelled window covering the center (by id or region) at `at`, the one ending last. */
  activeFor(centerId: string, region: string | null, at: number): MaintenanceWindowRow | undefined;
  /**
   * In one transaction: adds or updates (reason only) each declared window by its key, and cancels
   * declared windows whose key is not among them.
   */
  mirrorDeclared(windows: (WindowWrite & { config_key: string })[], now: number): void;
  insert(w: WindowWrite, createdBy: string, now: number): number;
  cancel(id: number, now: number): void;
  get(id: number): MaintenanceWindowRow | undefined;
  /** Newest first; `centerId` matches the center's own windows and its region's; `current` keeps those not over at that time. */
  list(opts: { centerId?: string; current?: number; limit: number }): MaintenanceWindowRow[];
  /** Windows that ended or were cancelled in (since, until]. */
  endedBetween(since: number, until: number): MaintenanceWindowRow[];
}

export class SqliteMaintenanceRepository implements MaintenanceRepository {
  private readonly db: DB;
  private readonly activeStmt;

  constructor(db: DB) {
    this.db = db;
    this.activeStmt = db.prepare<[number, number, string, string | null], MaintenanceWindowRow>(
      `SELECT * FROM maintenance_windows
       WHERE cancelled_at IS NULL AND starts_at <= ? AND ends_at > ? AND (center_id = ? OR (region IS NOT NULL AND region = ?))
       ORDER BY ends_at DESC LIMIT 1`,
    );
  }

  activeFor(centerId: string, region: string | null, at: number): MaintenanceWindowRow | undefined {
    return this.activeStmt.get(at, at, centerId, region);
  }

  mirrorDeclared(windows: (WindowWrite & { config_key: string })[], now: number): void {
    const upsert = this.db.prepare(
      `INSERT INTO maintenance_windows (config_key, center_id, region, starts_at, ends_at, reason, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'config', ?)
       ON CONFLICT(config_key) DO UPDATE SET reason = excluded.reason`,
    );
    this.db.transaction(() => {
      for (const w of windows) upsert.run(w.config_key, w.center_id, w.region, w.starts_at, w.ends_at, w.reason, now);
      const keys = windows.map((w) => w.config_key);
      const gone = this.db
        .prepare<[], { id: number; config_key: string }>(`SELECT id, config_key FROM maintenance_windows WHERE config_key IS NOT NULL AND cancelled_at IS NULL`)
        .all()
        .filter((r) => !keys.includes(r.config_key));
      for (const r of gone) this.cancel(r.id, now);
    })();
  }

  insert(w: WindowWrite, createdBy: string, now: number): number {
    const info = this.db
      .prepare(`INSERT INTO maintenance_windows (center_id, region, starts_at, ends_at, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(w.center_id, w.region, w.starts_at, w.ends_at, w.reason, createdBy, now);
    return Number(info.lastInsertRowid);
  }

  cancel(id: number, now: number): void {
    this.db.prepare(`UPDATE maintenance_windows SET cancelled_at = ? WHERE id = ?`).run(now, id);
  }

  get(id: number): MaintenanceWindowRow | undefined {
    return this.db.prepare<[number], MaintenanceWindowRow>(`SELECT * FROM maintenance_windows WHERE id = ?`).get(id);
  }

  list(opts: { centerId?: string; current?: number; limit: number }): MaintenanceWindowRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.centerId) {
      where.push(`(center_id = ? OR region = (SELECT region FROM centers WHERE id = ?))`);
      args.push(opts.centerId, opts.centerId);
    }
    if (opts.current !== undefined) {
      where.push('cancelled_at IS NULL AND ends_at > ?');
      args.push(opts.current);
    }
    return this.db
      .prepare<(string | number)[], MaintenanceWindowRow>(
        `SELECT * FROM maintenance_windows ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY starts_at DESC LIMIT ?`,
      )
      .all(...args, opts.limit);
  }

  endedBetween(since: number, until: number): MaintenanceWindowRow[] {
    return this.db
      .prepare<[number, number, number, number], MaintenanceWindowRow>(
        `SELECT * FROM maintenance_windows WHERE (ends_at > ? AND ends_at <= ?) OR (cancelled_at > ? AND cancelled_at <= ?)`,
      )
      .all(since, until, since, until);
  }
}
