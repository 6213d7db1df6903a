// Rollups written in the probe writer's transaction: per channel and UTC hour, per center and local
// day. Two small upserts per probe keep every availability figure an index range read.

import type { Logger } from 'pino';
import type { Outcome } from '../domain.ts';
import { outcomeClass } from '../status/availability.ts';
import { localDay } from '../util/local-day.ts';
import type { DB } from './db.ts';

/**
 * How many attempts a stored probe stands for, as a SQL expression over a `probes` row: a manual record
 * of several calls counts each (its evidence's `attempts.count`; the classifier made an inconsistent one
 * an `error`), every other probe one. The same number the rollups were given (Classification.attempts).
 */
export const PROBE_ATTEMPTS_SQL = `(CASE WHEN method = 'manual' AND outcome <> 'error' THEN MAX(1, COALESCE(evidence ->> '$.attempts.count', 1)) ELSE 1 END)`;

export class RollupWriter {
  private readonly hours;
  private readonly days;

  constructor(db: DB) {
    const counts = `probes = probes + excluded.probes, reachable = reachable + excluded.reachable, down = down + excluded.down,
      impaired = impaired + excluded.impaired, inconclusive = inconclusive + excluded.inconclusive, errors = errors + excluded.errors`;
    this.hours = db.prepare(
      `INSERT INTO channel_hours (channel_ref, hour, probes, reachable, down, impaired, inconclusive, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(channel_ref, hour) DO UPDATE SET ${counts}`,
    );
    this.days = db.prepare(
      `INSERT INTO center_days (center_id, day, probes, reachable, down, impaired, inconclusive, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(center_id, day) DO UPDATE SET ${counts}`,
    );
  }

  /** Must run inside the transaction that stores the probe. `attempts`: how many the probe stands for (Classification.attempts). */
  add(channelRef: number, centerId: string, tz: string, startedAt: number, outcome: Outcome, attempts = 1): void {
    const k = outcomeClass(outcome);
    const r = k === 'reachable' ? attempts : 0;
    const d = k === 'down' ? attempts : 0;
    const i = k === 'impaired' ? attempts : 0;
    const n = k === 'inconclusive' ? attempts : 0;
    const e = k === 'errors' ? attempts : 0;
    this.hours.run(channelRef, Math.floor(startedAt / 3_600_000), attempts, r, d, i, n, e);
    this.days.run(centerId, localDay(tz, startedAt), attempts, r, d, i, n, e);
  }
}

/**
 * Rolls up the probes stored before rollups existed (migration 0004 notes how far), in chunks so a
 * large history does not hold one huge transaction. Runs once, at start-up.
 */
export function backfillRollups(db: DB, defaultTz: string, log: Logger): number {
  const state = db.prepare<[], { up_to: number | null }>(`SELECT up_to FROM rollup_backfill WHERE id = 1`).get();
  if (!state || state.up_to === null) return 0;
  const upTo = state.up_to;
  const writer = new RollupWriter(db);
  const page = db.prepare<[number, number], { id: number; channel_ref: number; started_at: number; outcome: Outcome; center_id: string; tz: string | null }>(
    `SELECT p.id, p.channel_ref, p.started_at, p.outcome, c.center_id, ce.tz FROM probes p
     JOIN channels c ON c.ref = p.channel_ref JOIN centers ce ON ce.id = c.center_id
     WHERE p.id > ? AND p.id <= ? ORDER BY p.id LIMIT 10000`,
  );
  let after = 0;
  let total = 0;
  for (;;) {
    const rows = page.all(after, upTo);
    if (rows.length === 0) break;
    db.transaction(() => {
      for (const r of rows) writer.add(r.channel_ref, r.center_id, r.tz ?? defaultTz, r.started_at, r.outcome);
    })();
    total += rows.length;
    after = rows[rows.length - 1]?.id ?? upTo;
  }
  db.prepare(`DELETE FROM rollup_backfill WHERE id = 1`).run();
  log.info({ probes: total }, 'rolled up the probes stored before rollups existed');
  return total;
}
