// Planned closures. A window holds alerts for a center or a whole region; probing goes on, and the
// status changes and incidents inside it are marked with the window's id.

import { createHash } from 'node:crypto';
import type { DB } from '../store/db.ts';
import { SqliteMaintenanceRepository, type MaintenanceRepository, type WindowWrite } from '../store/maintenance.ts';
import type { MaintenanceWindowRow } from '../store/rows.ts';

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

const fromRow = (r: MaintenanceWindowRow): MaintenanceWindow => ({
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

const toWrite = (w: DeclaredWindow): WindowWrite => ({ center_id: w.centerId, region: w.region, starts_at: w.startsAt, ends_at: w.endsAt, reason: w.reason });

export class MaintenanceWindows {
  private readonly repo: MaintenanceRepository;

  /** `db`: the SQLite file, or any other engine's maintenance repository. */
  constructor(db: DB | MaintenanceRepository) {
    this.repo = 'mirrorDeclared' in db ? db : new SqliteMaintenanceRepository(db);
  }

  /** The window covering this center at `at`, if any (the one ending last). */
  activeFor(center: { id: string; region: string | null }, at: number): MaintenanceWindow | null {
    const r = this.repo.activeFor(center.id, center.region, at);
    return r ? fromRow(r) : null;
  }

  /**
   * Mirrors the config file's windows: new ones are added, edited reasons updated, and windows no
   * longer in the file are cancelled (kept, so history still shows them). A window ended early through
   * the API stays ended after a restart.
   */
  syncDeclared(windows: DeclaredWindow[], now: number): void {
    const keyOf = (w: DeclaredWindow) => createHash('sha256').update(JSON.stringify([w.centerId, w.region, w.startsAt, w.endsAt])).digest('hex').slice(0, 16);
    this.repo.mirrorDeclared(windows.map((w) => ({ ...toWrite(w), config_key: keyOf(w) })), now);
  }

  create(w: DeclaredWindow, createdBy: string, now: number): MaintenanceWindow {
    return this.get(this.repo.insert(toWrite(w), createdBy, now)) as MaintenanceWindow;
  }

  /** Ends a window early. A window that already ended is left as history. */
  cancel(id: number, now: number): 'cancelled' | 'not_found' | 'already_over' {
    const w = this.get(id);
    if (!w) return 'not_found';
    if (w.cancelledAt !== null || w.endsAt <= now) return 'already_over';
    this.repo.cancel(id, now);
    return 'cancelled';
  }

  get(id: number): MaintenanceWindow | null {
    const r = this.repo.get(id);
    return r ? fromRow(r) : null;
  }

  list(opts: { centerId?: string; current?: number; limit: number }): MaintenanceWindow[] {
    return this.repo.list(opts).map(fromRow);
  }

  /** Windows that ended (or were cancelled) in (since, until]: their centers may owe a late alert. */
  endedBetween(since: number, until: number): MaintenanceWindow[] {
    return this.repo.endedBetween(since, until).map(fromRow);
  }
}
