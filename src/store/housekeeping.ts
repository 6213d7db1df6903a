// The store's periodic chores: publish the chains' heads for a UTC day that ended, and apply
// retention once a day. The daemon runs `tick` on a timer.

import type { Logger } from 'pino';
import type { DB } from './db.ts';
import { recordDailyHeads } from './heads.ts';
import { pruneProbes } from './retention.ts';

const DAY = 86_400_000;

export class Housekeeping {
  private lastPrune = 0;
  private readonly db: DB;
  private readonly retentionMs: number | null;
  private readonly log: Logger;

  constructor(db: DB, retentionMs: number | null, log: Logger) {
    this.db = db;
    this.retentionMs = retentionMs;
    this.log = log;
  }

  /** Never throws: a failure is logged and the next tick tries again. */
  tick(now = Date.now()): void {
    try {
      recordDailyHeads(this.db, now, this.log);
      if (this.retentionMs !== null && now - this.lastPrune > DAY) {
        this.lastPrune = now;
        const r = pruneProbes(this.db, now - this.retentionMs);
        if (r.pruned) this.log.info({ pruned: r.pruned, upToId: r.upToId }, 'pruned raw probes past retention (rollups and a chain checkpoint kept)');
      }
    } catch (err) {
      this.log.error({ err }, 'chain heads or retention failed; will retry');
    }
  }
}

/** At shutdown: fold the WAL into the database file so the folder is one file at rest, then close. */
export function checkpointAndClose(db: DB): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
