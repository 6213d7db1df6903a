// The outbox and outbox_attempts tables: alerts are inserted in the transaction of the change that
// causes them, claimed with a conditional UPDATE (Healthchecks' sendalerts), and every attempt is kept.

import type { DB } from './connection.ts';
import type { OutboxAttemptRow, OutboxRow, OutboxStatusValue } from './rows.ts';

export type OutboxInsert = Pick<
  OutboxRow,
  'id' | 'dedupe_key' | 'subscription_id' | 'channel' | 'event' | 'center_id' | 'incident_id' | 'message' | 'status' | 'created_at' | 'suppressed_by'
>;

/** An attempt's result as logged; `ok` is derived from the outcome. */
export type AttemptLog = Pick<OutboxAttemptRow, 'at' | 'duration_ms' | 'outcome' | 'detail'> & { permanent: boolean };

export interface OutboxRepository {
  /** Inserts unless the dedupe key is taken; returns whether it was inserted. */
  insert(row: OutboxInsert): boolean;
  /**
   * In one transaction: logs an `unknown` attempt (`expiredDetail`) for each row whose lease ran out,
   * drops those superseded meanwhile, and leases up to `limit` due rows (one more attempt each).
   */
  claim(now: number, leaseUntil: number, limit: number, expiredDetail: string): OutboxRow[];
  /** Leases this one row if it is pending (one more attempt); undefined when it is not (another sender has it). */
  claimOne(id: string, leaseUntil: number): OutboxRow | undefined;
  /** Logs the attempt and marks the row sent, in one transaction. */
  delivered(row: Pick<OutboxRow, 'id' | 'attempts'>, attempt: AttemptLog): void;
  /** Logs the attempt, then the row is retried at `nextAt` or, with null, marked failed; one transaction. */
  attemptFailed(row: Pick<OutboxRow, 'id' | 'attempts'>, attempt: AttemptLog, nextAt: number | null): void;
  /** Rows left `sending` get an `unknown` attempt (`detail`) and are due at `now`; returns how many. */
  releaseInterrupted(now: number, detail: string): number;
  /** A failed row due again at `now`; whether there was one. */
  retry(id: string, now: number): boolean;
  /** Whether an alert of `events` to this subscription is queued, in flight, sent, or had an attempt delivered or unknown. */
  told(incidentId: number, subscriptionId: string, events: readonly string[]): boolean;
  /** Whether an alert of `events` to this subscription was given up on (failed). */
  failedAbout(incidentId: number, subscriptionId: string, events: readonly string[]): boolean;
  /** Queued or in-flight alerts of `events` about the incident are marked superseded by `why`; returns how many. */
  supersede(incidentId: number, why: string, events: readonly string[]): number;
  countsByStatus(): { status: OutboxStatusValue; n: number }[];
  oldestPendingAt(): number | null;
  failureCounts(): { channel: string; failedAttempts: number; failedAlerts: number }[];
  /** Newest first. */
  list(opts: { status?: OutboxStatusValue; limit: number; before?: string }): OutboxRow[];
  get(id: string): OutboxRow | undefined;
  attempts(id: string): OutboxAttemptRow[];
}

const marks = (events: readonly string[]): string => events.map(() => '?').join(', ');

export class SqliteOutboxRepository implements OutboxRepository {
  private readonly db: DB;
  private readonly insertStmt;
  private readonly claimStmt;
  private readonly markSent;
  private readonly markRetry;
  private readonly markFailed;
  private readonly logAttempt;
  private readonly expiredLeases;
  private readonly dropSuperseded;

  constructor(db: DB) {
    this.db = db;
    this.insertStmt = db.prepare<[OutboxInsert]>(
      `INSERT OR IGNORE INTO outbox (id, dedupe_key, subscription_id, channel, event, center_id, incident_id, message, status, next_attempt_at, created_at, suppressed_by)
       VALUES (@id, @dedupe_key, @subscription_id, @channel, @event, @center_id, @incident_id, @message, @status, @created_at, @created_at, @suppressed_by)`,
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

  private log(id: string, attempt: number, a: AttemptLog): void {
    this.logAttempt.run(id, attempt, a.at, a.duration_ms, a.outcome === 'delivered' ? 1 : 0, a.outcome, a.permanent ? 1 : 0, a.detail);
  }

  private logUnknown(id: string, attempt: number, now: number, detail: string): void {
    this.log(id, attempt, { at: now, duration_ms: 0, outcome: 'unknown', permanent: false, detail });
  }

  insert(row: OutboxInsert): boolean {
    return this.insertStmt.run(row).changes > 0;
  }

  claim(now: number, leaseUntil: number, limit: number, expiredDetail: string): OutboxRow[] {
    return this.db.transaction(() => {
      for (const r of this.expiredLeases.all(now)) this.logUnknown(r.id, r.attempts, now, expiredDetail);
      this.dropSuperseded.run(now);
      return this.claimStmt.all(leaseUntil, now, now, limit);
    })();
  }

  claimOne(id: string, leaseUntil: number): OutboxRow | undefined {
    return this.db.prepare<[number, string], OutboxRow>(`UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1 WHERE id = ? AND status = 'pending' RETURNING *`).get(leaseUntil, id);
  }

  delivered(row: Pick<OutboxRow, 'id' | 'attempts'>, attempt: AttemptLog): void {
    this.db.transaction(() => {
      this.log(row.id, row.attempts, attempt);
      this.markSent.run(attempt.at, row.id);
    })();
  }

  attemptFailed(row: Pick<OutboxRow, 'id' | 'attempts'>, attempt: AttemptLog, nextAt: number | null): void {
    this.db.transaction(() => {
      this.log(row.id, row.attempts, attempt);
      if (nextAt === null) this.markFailed.run(attempt.detail, row.id);
      else this.markRetry.run(nextAt, attempt.detail, row.id);
    })();
  }

  releaseInterrupted(now: number, detail: string): number {
    return this.db.transaction(() => {
      const rows = this.db.prepare<[], { id: string; attempts: number }>(`SELECT id, attempts FROM outbox WHERE status = 'sending'`).all();
      for (const r of rows) this.logUnknown(r.id, r.attempts, now, detail);
      return this.db
        .prepare(`UPDATE outbox SET status = CASE WHEN suppressed_by IS NULL THEN 'pending' ELSE 'suppressed' END, next_attempt_at = ?, lease_until = NULL WHERE status = 'sending'`)
        .run(now).changes;
    })();
  }

  retry(id: string, now: number): boolean {
    return this.db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'failed'`).run(now, id).changes > 0;
  }

  told(incidentId: number, subscriptionId: string, events: readonly string[]): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM outbox o WHERE o.incident_id = ? AND o.subscription_id = ? AND o.event IN (${marks(events)})
             AND (o.status IN ('pending', 'sending', 'sent')
                  OR EXISTS (SELECT 1 FROM outbox_attempts a WHERE a.outbox_id = o.id AND a.outcome IN ('delivered', 'unknown')))
           LIMIT 1`,
        )
        .get(incidentId, subscriptionId, ...events) !== undefined
    );
  }

  failedAbout(incidentId: number, subscriptionId: string, events: readonly string[]): boolean {
    return (
      this.db
        .prepare(`SELECT 1 FROM outbox WHERE incident_id = ? AND subscription_id = ? AND status = 'failed' AND event IN (${marks(events)}) LIMIT 1`)
        .get(incidentId, subscriptionId, ...events) !== undefined
    );
  }

  supersede(incidentId: number, why: string, events: readonly string[]): number {
    return this.db
      .prepare(
        `UPDATE outbox SET status = CASE status WHEN 'pending' THEN 'suppressed' ELSE status END, suppressed_by = ?
         WHERE incident_id = ? AND status IN ('pending', 'sending') AND event IN (${marks(events)})`,
      )
      .run(why, incidentId, ...events).changes;
  }

  countsByStatus(): { status: OutboxStatusValue; n: number }[] {
    return this.db.prepare<[], { status: OutboxStatusValue; n: number }>(`SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`).all();
  }

  oldestPendingAt(): number | null {
    return this.db.prepare<[], { at: number | null }>(`SELECT MIN(created_at) AS at FROM outbox WHERE status IN ('pending', 'sending')`).get()?.at ?? null;
  }

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

  list(opts: { status?: OutboxStatusValue; limit: number; before?: string }): OutboxRow[] {
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

  attempts(id: string): OutboxAttemptRow[] {
    return this.db.prepare<[string], OutboxAttemptRow>(`SELECT * FROM outbox_attempts WHERE outbox_id = ? ORDER BY attempt`).all(id);
  }
}
