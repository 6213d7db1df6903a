// The outbox table: alerts are inserted in the transaction of the change that causes them, claimed
// with a conditional UPDATE (Healthchecks' sendalerts), and every attempt is kept.

import { randomBytes } from 'node:crypto';
import type { DB } from '../store/db.ts';
import type { AlertEvent, AlertMessage } from './channel.ts';
import type { Subscription } from './subscription.ts';

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'suppressed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export interface OutboxRow {
  id: string;
  dedupe_key: string;
  subscription_id: string;
  channel: string;
  event: AlertEvent;
  center_id: string | null;
  incident_id: number | null;
  message: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  suppressed_by: string | null;
}

export interface AttemptRow {
  outbox_id: string;
  attempt: number;
  at: number;
  duration_ms: number;
  ok: number;
  permanent: number;
  detail: string;
}

export interface EnqueueInput {
  /** One alert per key: a retried transaction or a second evaluation cannot queue it twice. */
  dedupeKey: string;
  subscription: Subscription;
  centerId: string | null;
  incidentId: number | null;
  message: Omit<AlertMessage, 'id' | 'createdAt'>;
  now: number;
  /** Held, never sent (a maintenance window): kept so history shows what was not said and why. */
  suppressedBy?: string | null;
}

/** Ids sort by creation time, so a receiver's log and ours line up. */
export function newMessageId(now: number): string {
  return `msg_${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

export class Outbox {
  private readonly db: DB;
  private readonly insert;
  private readonly claimStmt;
  private readonly markSent;
  private readonly markRetry;
  private readonly markFailed;
  private readonly logAttempt;

  constructor(db: DB) {
    this.db = db;
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO outbox (id, dedupe_key, subscription_id, channel, event, center_id, incident_id, message, status, next_attempt_at, created_at, suppressed_by)
       VALUES (@id, @dedupeKey, @sub, @channel, @event, @centerId, @incidentId, @message, @status, @now, @now, @suppressedBy)`,
    );
    this.claimStmt = db.prepare<[number, number, number, number], OutboxRow>(
      `UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1
       WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND lease_until < ?)
                    ORDER BY next_attempt_at LIMIT ?)
       RETURNING *`,
    );
    this.markSent = db.prepare(`UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL WHERE id = ? AND status = 'sending'`);
    this.markRetry = db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = NULL, last_error = ? WHERE id = ? AND status = 'sending'`);
    this.markFailed = db.prepare(`UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ? WHERE id = ? AND status = 'sending'`);
    this.logAttempt = db.prepare(
      `INSERT OR REPLACE INTO outbox_attempts (outbox_id, attempt, at, duration_ms, ok, permanent, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Returns the new row's id, or null when an alert with this key was already queued. */
  enqueue(input: EnqueueInput): string | null {
    const id = newMessageId(input.now);
    const message: AlertMessage = { ...input.message, id, createdAt: input.now };
    const info = this.insert.run({
      id,
      dedupeKey: input.dedupeKey,
      sub: input.subscription.id,
      channel: input.subscription.channel,
      event: message.event,
      centerId: input.centerId,
      incidentId: input.incidentId,
      message: JSON.stringify(message),
      status: input.suppressedBy ? 'suppressed' : 'pending',
      now: input.now,
      suppressedBy: input.suppressedBy ?? null,
    });
    return info.changes > 0 ? id : null;
  }

  /**
   * Claims due rows for one attempt each. A row left `sending` by a stopped sender is claimed again
   * once its lease runs out, so a crash mid-delivery delays an alert but never loses it.
   */
  claim(now: number, leaseMs: number, limit: number): OutboxRow[] {
    return this.claimStmt.all(now + leaseMs, now, now, limit);
  }

  delivered(row: OutboxRow, now: number, durationMs: number, detail: string): void {
    this.db.transaction(() => {
      this.logAttempt.run(row.id, row.attempts, now, durationMs, 1, 0, detail);
      this.markSent.run(now, row.id);
    })();
  }

  /** `nextAt` null: no more tries (a permanent error, or the last one). */
  attemptFailed(row: OutboxRow, now: number, durationMs: number, detail: string, permanent: boolean, nextAt: number | null): void {
    this.db.transaction(() => {
      this.logAttempt.run(row.id, row.attempts, now, durationMs, 0, permanent ? 1 : 0, detail);
      if (nextAt === null) this.markFailed.run(detail, row.id);
      else this.markRetry.run(nextAt, detail, row.id);
    })();
  }

  /**
   * At start-up, rows a killed daemon left `sending` go back to the queue at once: this daemon is the
   * only sender. The receiver may have got the message; it gets the same id again and can drop it.
   */
  releaseInterrupted(now: number): number {
    return this.db.transaction(() => {
      const rows = this.db.prepare<[], { id: string; attempts: number }>(`SELECT id, attempts FROM outbox WHERE status = 'sending'`).all();
      for (const r of rows) {
        this.logAttempt.run(r.id, r.attempts, now, 0, 0, 0, 'interrupted: reachwatch stopped during this attempt; the receiver may have it (same id)');
      }
      return this.db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = NULL WHERE status = 'sending'`).run(now).changes;
    })();
  }

  /** A failed alert, sent again by an operator's request. */
  retry(id: string, now: number): boolean {
    return this.db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'failed'`).run(now, id).changes > 0;
  }

  /** Whether this subscription was told (or is being told) about the incident: recoveries go only there. */
  told(incidentId: number, subscriptionId: string, events: readonly AlertEvent[] = ['went_dark', 'partly_reachable', 'still_dark']): boolean {
    return (
      this.db
        .prepare(`SELECT 1 FROM outbox WHERE incident_id = ? AND subscription_id = ? AND status != 'suppressed' AND event IN (${events.map(() => '?').join(', ')}) LIMIT 1`)
        .get(incidentId, subscriptionId, ...events) !== undefined
    );
  }

  /** Alerts about an incident still waiting for a retry are dropped once it is over (kept, marked). */
  supersede(incidentId: number, why: string): number {
    return this.db
      .prepare(`UPDATE outbox SET status = 'suppressed', suppressed_by = ? WHERE incident_id = ? AND status = 'pending' AND event IN ('went_dark', 'partly_reachable', 'still_dark')`)
      .run(why, incidentId).changes;
  }

  counts(): Record<OutboxStatus, number> & { oldestPendingAt: number | null } {
    const out = { pending: 0, sending: 0, sent: 0, failed: 0, suppressed: 0, oldestPendingAt: null as number | null };
    for (const r of this.db.prepare<[], { status: OutboxStatus; n: number }>(`SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`).all()) out[r.status] = r.n;
    out.oldestPendingAt = this.db.prepare<[], { at: number | null }>(`SELECT MIN(created_at) AS at FROM outbox WHERE status IN ('pending', 'sending')`).get()?.at ?? null;
    return out;
  }

  /** Failures by channel for /metrics: attempts that failed, and alerts given up on. */
  failureCounts(): { channel: string; failedAttempts: number; failedAlerts: number }[] {
    return this.db
      .prepare<[], { channel: string; failedAttempts: number; failedAlerts: number }>(
        `SELECT o.channel AS channel,
                (SELECT COUNT(*) FROM outbox_attempts a JOIN outbox x ON x.id = a.outbox_id WHERE x.channel = o.channel AND a.ok = 0) AS failedAttempts,
                SUM(o.status = 'failed') AS failedAlerts
         FROM outbox o GROUP BY o.channel`,
      )
      .all();
  }

  list(opts: { status?: OutboxStatus; limit: number; before?: string }): OutboxRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.status) {
      where.push('status = ?');
      args.push(opts.status);
    }
    if (opts.before) {
      where.push('id < ?');
      args.push(opts.before);
    }
    return this.db
      .prepare<(string | number)[], OutboxRow>(`SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...args, opts.limit);
  }

  get(id: string): OutboxRow | undefined {
    return this.db.prepare<[string], OutboxRow>(`SELECT * FROM outbox WHERE id = ?`).get(id);
  }

  attempts(id: string): AttemptRow[] {
    return this.db.prepare<[string], AttemptRow>(`SELECT * FROM outbox_attempts WHERE outbox_id = ? ORDER BY attempt`).all(id);
  }
}
