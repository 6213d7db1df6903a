// The store's periodic chores: publish the chains' heads for a UTC day that ended, apply retention
// once a day, close the slots of vantage points that expired unprobed and forget old slots. The daemon
// runs `tick` on a timer.

import type { Logger } from 'pino';
import { AGENT_JOB_KEEP_MS, AgentJobs } from './agent-jobs.ts';
import type { DB } from './db.ts';
import { recordDailyHeads } from './heads.ts';
import { pruneProbes } from './retention.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export class Housekeeping {
  private lastPrune = 0;
  private lastSlotPrune = 0;
  private readonly slots: AgentJobs;
  private readonly db: DB;
  private readonly retentionMs: number | null;
  private readonly log: Logger;

  constructor(db: DB, retentionMs: number | null, log: Logger) {
    this.db = db;
    this.retentionMs = retentionMs;
    this.log = log;
    this.slots = new AgentJobs(db);
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
    try {
      const missed = this.slots.expireMissed(now);
      // A point with no live agent misses every slot: one line per tick and point, not one per slot.
      const byPoint = new Map<string, { slots: number; neverLeased: number }>();
      for (const m of missed) {
        const n = byPoint.get(m.vantage) ?? { slots: 0, neverLeased: 0 };
        n.slots++;
        if (m.leases === 0) n.neverLeased++;
        byPoint.set(m.vantage, n);
      }
      // Leased but without a result yet: the agent may still send it (stored then, as late).
      for (const [vantage, n] of byPoint) this.log.warn({ vantage, ...n }, 'slots of a vantage point expired without a result: no agent of the point took them, or none has reported yet');
      if (now - this.lastSlotPrune > HOUR) {
        this.lastSlotPrune = now;
        this.slots.prune(now - AGENT_JOB_KEEP_MS);
      }
    } catch (err) {
      this.log.error({ err }, 'closing or pruning the slots of vantage points failed; will retry');
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
