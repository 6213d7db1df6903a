// Planned closures. A window holds alerts for a center or a whole region; probing goes on, and the
// status changes and incidents inside it are marked with the window's id.

import { createHash } from 'node:crypto';
import type { DB } from '../store/db.ts';

export interface MaintenanceWindow {
  id: number;
  configKey: string | null;
  centerId: string | null;
  region: string | null;
  startsAt: number;
  endsAt: number;
  reason: string;
  createdBy: string;
  createdAt: number;
  cancelledAt: number | null;
}

/** A window as declared in the config file. */
export interface DeclaredWindow {
  centerId: string | null;
  region: string | null;
  startsAt: number;
  endsAt: number;
  reason: string;
}

interface Row {
  id: number;
  config_key: string | null;
  center_id: string | null;
  region: string | null;
  starts_at: number;
  ends_at: number;
  reason: string;
  created_by: string;
  created_at: number;
  cancelled_at: number | null;
}

const fromRow = (r: Row): MaintenanceWindow => ({
  id: r.id,
  configKey: r.config_key,
  centerId: r.center_id,
  region: r.region,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  cancelledAt: r.cancelled_at,
});

export class MaintenanceWindows {
  private readonly db: DB;
  private readonly activeStmt;

  constructor(db: DB) {
    this.db = db;
    this.activeStmt = db.prepare<[number, number, string, string | null], Row>(
      `SELECT * FROM maintenance_windows
       WHERE cancelled_at IS NULL AND starts_at <= ? AND ends_at > ? AND (center_id = ? OR (region IS NOT NULL AND region = ?))
       ORDER BY ends_at DESC LIMIT 1`,
    );
  }

  /** The window covering this center at `at`, if any (the one ending last). */
  activeFor(center: { id: string; region: string | null }, at: number): MaintenanceWindow | null {
    const r = this.activeStmt.get(at, at, center.id, center.region);
    return r ? fromRow(r) : null;
  }

  /**
   * Mirrors the config file's windows: new ones are added, edited reasons updated, and windows no
   * longer in the file are cancelled (kept, so history still shows them). A window ended early through
   * the API stays ended after a restart.
   */
  syncDeclared(windows: DeclaredWindow[], now: number): void {
    const keyOf = (w: DeclaredWindow) => createHash('sha256').update(JSON.stringify([w.centerId, w.region, w.startsAt, w.endsAt])).digest('hex').slice(0, 16);
    const upsert = this.db.prepare(
      `INSERT INTO maintenance_windows (config_key, center_id, region, starts_at, ends_at, reason, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'config', ?)
       ON CONFLICT(config_key) DO UPDATE SET reason = excluded.reason`,
    );
    this.db.transaction(() => {
      const keys = windows.map((w) => {
        const k = keyOf(w);
        upsert.run(k, w.centerId, w.region, w.startsAt, w.endsAt, w.reason, now);
        return k;
      });
      const gone = this.db
        .prepare<[], { id: number; config_key: string }>(`SELECT id, config_key FROM maintenance_windows WHERE config_key IS NOT NULL AND cancelled_at IS NULL`)
        .all()
        .filter((r) => !keys.includes(r.config_key));
      for (const r of gone) this.db.prepare(`UPDATE maintenance_windows SET cancelled_at = ? WHERE id = ?`).run(now, r.id);
    })();
  }

  create(w: DeclaredWindow, createdBy: string, now: number): MaintenanceWindow {
    const info = this.db
      .prepare(`INSERT INTO maintenance_windows (center_id, region, starts_at, ends_at, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(w.centerId, w.region, w.startsAt, w.endsAt, w.reason, createdBy, now);
    return this.get(Number(info.lastInsertRowid)) as MaintenanceWindow;
  }

  /** Ends a window early. A window that already ended is left as history. */
  cancel(id: number, now: number): 'cancelled' | 'not_found' | 'already_over' {
    const w = this.get(id);
    if (!w) return 'not_found';
    if (w.cancelledAt !== null || w.endsAt <= now) return 'already_over';
    this.db.prepare(`UPDATE maintenance_windows SET cancelled_at = ? WHERE id = ?`).run(now, id);
    return 'cancelled';
  }

  get(id: number): MaintenanceWindow | null {
    const r = this.db.prepare<[number], Row>(`SELECT * FROM maintenance_windows WHERE id = ?`).get(id);
    return r ? fromRow(r) : null;
  }

  list(opts: { centerId?: string; current?: number; limit: number }): MaintenanceWindow[] {
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
      .prepare<(string | number)[], Row>(`SELECT * FROM maintenance_windows ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY starts_at DESC LIMIT ?`)
      .all(...args, opts.limit)
      .map(fromRow);
  }

  /** Windows that ended (or were cancelled) in (since, until]: their centers may owe a late alert. */
  endedBetween(since: number, until: number): MaintenanceWindow[] {
    return this.db
      .prepare<[number, number, number, number], Row>(
        `SELECT * FROM maintenance_windows WHERE (ends_at > ? AND ends_at <= ?) OR (cancelled_at > ? AND cancelled_at <= ?)`,
      )
      .all(since, until, since, until)
      .map(fromRow);
  }
}
