// The outbox table: alerts are inserted in the transaction of the change that causes them, claimed
// with a conditional UPDATE (Healthchecks' sendalerts), and every attempt is kept.

import { randomBytes } from 'node:crypto';
import type { DB } from '../store/db.ts';
import type { AlertEvent, AlertMessage, AttemptOutcome, NotDelivered } from './channel.ts';
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
  /** 1 when delivered (kept beside `outcome` for older readers). */
  ok: number;
  outcome: AttemptOutcome;
  permanent: number;
  detail: string;
}

/** Events that open or continue an incident: a subscriber possibly told of one is told of its end. */
const INCIDENT_NEWS: readonly AlertEvent[] = ['went_dark', 'partly_reachable', 'still_dark'];

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
  private readonly expiredLeases;
  private readonly dropSuperseded;

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
    // A row superseded while its attempt was in flight (see supersede) is not tried again: its news is stale.
    this.markSent = db.prepare(`UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL, suppressed_by = NULL WHERE id = ? AND status = 'sending'`);
    this.markRetry = db.prepare(
      `UPDATE outbox SET status = CASE WHEN suppressed_by IS NULL THEN 'pending' ELSE 'suppressed' END, next_attempt_at = ?, lease_until = NULL, last_error = ?
       WHERE id = ? AND status = 'sending'`,
    );
    this.markFailed = db.prepare(`UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ? WHERE id = ? AND status = 'sending'`);
    this.logAttempt = db.prepare(
      `INSERT OR REPLACE INTO outbox_attempts (outbox_id, attempt, at, duration_ms, ok, outcome, permanent, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.expiredLeases = db.prepare<[number], { id: string; attempts: number }>(`SELECT id, attempts FROM outbox WHERE status = 'sending' AND lease_until < ?`);
    this.dropSuperseded = db.prepare<[number]>(`UPDATE outbox SET status = 'suppressed', lease_until = NULL WHERE status = 'sending' AND lease_until < ? AND suppressed_by IS NOT NULL`);
  }

  private logUnknown(id: string, attempt: number, now: number, detail: string): void {
    this.logAttempt.run(id, attempt, now, 0, 0, 'unknown', 0, detail);
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
    return this.db.transaction(() => {
      // The attempt whose lease ran out never recorded its result: the receiver may have it.
      for (const r of this.expiredLeases.all(now)) this.logUnknown(r.id, r.attempts, now, 'lease expired: this attempt never recorded its result; the receiver may have it (same id)');
      this.dropSuperseded.run(now);
      return this.claimStmt.all(now + leaseMs, now, now, limit);
    })();
  }

  delivered(row: OutboxRow, now: number, durationMs: number, detail: string): void {
    this.db.transaction(() => {
      this.logAttempt.run(row.id, row.attempts, now, durationMs, 1, 'delivered', 0, detail);
      this.markSent.run(now, row.id);
    })();
  }

  /** `nextAt` null: no more tries (a permanent error, or the last one). `outcome` 'unknown': the receiver may have it. */
  attemptFailed(row: OutboxRow, now: number, durationMs: number, detail: string, outcome: NotDelivered, permanent: boolean, nextAt: number | null): void {
    this.db.transaction(() => {
      this.logAttempt.run(row.id, row.attempts, now, durationMs, 0, outcome, permanent ? 1 : 0, detail);
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
        this.logUnknown(r.id, r.attempts, now, 'interrupted: reachwatch stopped during this attempt; the receiver may have it (same id)');
      }
      return this.db
        .prepare(`UPDATE outbox SET status = CASE WHEN suppressed_by IS NULL THEN 'pending' ELSE 'suppressed' END, next_attempt_at = ?, lease_until = NULL WHERE status = 'sending'`)
        .run(now).changes;
    })();
  }

  /** A failed alert, sent again by an operator's request. */
  retry(id: string, now: number): boolean {
    return this.db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'failed'`).run(now, id).changes > 0;
  }

  /**
   * Whether this subscription was possibly told about the incident, or is being told: an alert of
   * `events` that is queued, in flight or sent, or any of whose attempts was delivered or ended
   * unknown (a timeout after sending, a kill mid-attempt), even if it was superseded or gave up
   * since. Recoveries go to exactly these, so no one possibly told "dark" is left believing it.
   * Alerts that were held, or whose every attempt certainly failed, told nobody anything.
   */
  told(incidentId: number, subscriptionId: string, events: readonly AlertEvent[] = INCIDENT_NEWS): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM outbox o WHERE o.incident_id = ? AND o.subscription_id = ? AND o.event IN (${events.map(() => '?').join(', ')})
             AND (o.status IN ('pending', 'sending', 'sent')
                  OR EXISTS (SELECT 1 FROM outbox_attempts a WHERE a.outbox_id = o.id AND a.outcome IN ('delivered', 'unknown')))
           LIMIT 1`,
        )
        .get(incidentId, subscriptionId, ...events) !== undefined
    );
  }

  /**
   * Whether this subscription has news of the incident coming or possibly had it: `told`, or an
   * alert about it that was not held back (one given up on included: its receiver may be back).
   * Reminders go to these, so a receiver that was down for days still hears the center is dark.
   */
  concerned(incidentId: number, subscriptionId: string): boolean {
    return (
      this.told(incidentId, subscriptionId) ||
      this.db
        .prepare(`SELECT 1 FROM outbox WHERE incident_id = ? AND subscription_id = ? AND status = 'failed' AND event IN (${INCIDENT_NEWS.map(() => '?').join(', ')}) LIMIT 1`)
        .get(incidentId, subscriptionId, ...INCIDENT_NEWS) !== undefined
    );
  }

  /**
   * Alerts about an incident still waiting for a retry are dropped once it is over (kept, marked);
   * one in flight is marked too, and is not tried again if this attempt does not get through.
   */
  supersede(incidentId: number, why: string): number {
    const events = INCIDENT_NEWS.map(() => '?').join(', ');
    return this.db
      .prepare(
        `UPDATE outbox SET status = CASE status WHEN 'pending' THEN 'suppressed' ELSE status END, suppressed_by = ?
         WHERE incident_id = ? AND status IN ('pending', 'sending') AND event IN (${events})`,
      )
      .run(why, incidentId, ...INCIDENT_NEWS).changes;
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
