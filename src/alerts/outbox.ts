// The alert outbox: what is queued, claimed, retried and superseded, and who was possibly told. The
// rows and their transactions live in store/outbox.ts; here are the rules and the words of the log.

import { randomBytes } from 'node:crypto';
import type { DB } from '../store/db.ts';
import { SqliteOutboxRepository, type OutboxRepository } from '../store/outbox.ts';
import type { OutboxAttemptRow, OutboxRow } from '../store/rows.ts';
import type { AlertEvent, AlertMessage, NotDelivered } from './channel.ts';
import type { Subscription } from './subscription.ts';

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'suppressed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];


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
  private readonly repo: OutboxRepository;

  /** `db`: the SQLite file, or any other engine's outbox repository. */
  constructor(db: DB | OutboxRepository) {
    this.repo = 'releaseInterrupted' in db ? db : new SqliteOutboxRepository(db);
  }

  /** Returns the new row's id, or null when an alert with this key was already queued. */
  enqueue(input: EnqueueInput): string | null {
    const id = newMessageId(input.now);
    const message: AlertMessage = { ...input.message, id, createdAt: input.now };
    const inserted = this.repo.insert({
      id,
      dedupe_key: input.dedupeKey,
      subscription_id: input.subscription.id,
      channel: input.subscription.channel,
      event: message.event,
      center_id: input.centerId,
      incident_id: input.incidentId,
      message: JSON.stringify(message),
      status: input.suppressedBy ? 'suppressed' : 'pending',
      created_at: input.now,
      suppressed_by: input.suppressedBy ?? null,
    });
    return inserted ? id : null;
  }

  /**
   * Claims due rows for one attempt each. A row left `sending` by a stopped sender is claimed again
   * once its lease runs out, so a crash mid-delivery delays an alert but never loses it.
   */
  claim(now: number, leaseMs: number, limit: number): OutboxRow[] {
    // The attempt whose lease ran out never recorded its result: the receiver may have it.
    return this.repo.claim(now, now + leaseMs, limit, 'lease expired: this attempt never recorded its result; the receiver may have it (same id)');
  }

  /** Claims one pending row (a test alert sent at once); undefined when another sender already has it. */
  claimOne(id: string, now: number, leaseMs: number): OutboxRow | undefined {
    return this.repo.claimOne(id, now + leaseMs);
  }

  delivered(row: OutboxRow, now: number, durationMs: number, detail: string): void {
    this.repo.delivered(row, { at: now, duration_ms: durationMs, outcome: 'delivered', permanent: false, detail });
  }

  /** `nextAt` null: no more tries (a permanent error, or the last one). `outcome` 'unknown': the receiver may have it. */
  attemptFailed(row: OutboxRow, now: number, durationMs: number, detail: string, outcome: NotDelivered, permanent: boolean, nextAt: number | null): void {
    this.repo.attemptFailed(row, { at: now, duration_ms: durationMs, outcome, permanent, detail }, nextAt);
  }

  /**
   * At start-up, rows a killed daemon left `sending` go back to the queue at once: this daemon is the
   * only sender. The receiver may have got the message; it gets the same id again and can drop it.
   */
  releaseInterrupted(now: number): number {
    return this.repo.releaseInterrupted(now, 'interrupted: reachwatch stopped during this attempt; the receiver may have it (same id)');
  }

  /** A failed alert, sent again by an operator's request. */
  retry(id: string, now: number): boolean {
    return this.repo.retry(id, now);
  }

  /**
   * Whether this subscription was possibly told about the incident, or is being told: an alert of
   * `events` that is queued, in flight or sent, or any of whose attempts was delivered or ended
   * unknown (a timeout after sending, a kill mid-attempt), even if it was superseded or gave up
   * since. Recoveries go to exactly these, so no one possibly told "dark" is left believing it.
   * Alerts that were held, or whose every attempt certainly failed, told nobody anything.
   */
  told(incidentId: number, subscriptionId: string, events: readonly AlertEvent[] = INCIDENT_NEWS): boolean {
    return this.repo.told(incidentId, subscriptionId, events);
  }

  /**
   * Whether this subscription has news of the incident coming or possibly had it: `told`, or an
   * alert about it that was not held back (one given up on included: its receiver may be back).
   * Reminders go to these, so a receiver that was down for days still hears the center is dark.
   */
  concerned(incidentId: number, subscriptionId: string): boolean {
    return this.told(incidentId, subscriptionId) || this.repo.failedAbout(incidentId, subscriptionId, INCIDENT_NEWS);
  }

  /**
   * Alerts about an incident still waiting for a retry are dropped once it is over (kept, marked);
   * one in flight is marked too, and is not tried again if this attempt does not get through.
   */
  supersede(incidentId: number, why: string): number {
    return this.repo.supersede(incidentId, why, INCIDENT_NEWS);
  }

  counts(): Record<OutboxStatus, number> & { oldestPendingAt: number | null } {
    const out = { pending: 0, sending: 0, sent: 0, failed: 0, suppressed: 0, oldestPendingAt: null as number | null };
    for (const r of this.repo.countsByStatus()) out[r.status] = r.n;
    out.oldestPendingAt = this.repo.oldestPendingAt();
    return out;
  }

  /** Failures by channel for /metrics: attempts that failed, and alerts given up on. */
  failureCounts(): { channel: string; failedAttempts: number; failedAlerts: number }[] {
    return this.repo.failureCounts();
  }

  list(opts: { status?: OutboxStatus; limit: number; before?: string }): OutboxRow[] {
    return this.repo.list(opts);
  }

  get(id: string): OutboxRow | undefined {
    return this.repo.get(id);
  }

  attempts(id: string): OutboxAttemptRow[] {
    return this.repo.attempts(id);
  }
}
