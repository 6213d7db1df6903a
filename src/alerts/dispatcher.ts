// Delivers queued alerts: claims due rows, sends each through its channel, and records what the
// receiver said. Policy (when to retry) lives in retry.ts; channels only send.

import type { Logger } from 'pino';
import type { AlertChannelKind, AlertMessage, AlertSender, AttemptOutcome, DeliveryTarget } from './channel.ts';
import { DeliveryError } from './channel.ts';
import type { Outbox } from './outbox.ts';
import type { OutboxRow } from '../store/rows.ts';
import { nextAttempt } from './retry.ts';

export interface DispatcherOptions {
  outbox: Outbox;
  senders: Partial<Record<AlertChannelKind, AlertSender>>;
  /** The subscription's current target (a webhook URL changed since queueing is used as it is now). */
  targetOf: (subscriptionId: string) => DeliveryTarget | null;
  retryScheduleMs: readonly number[];
  /** How long a claimed row is ours before another pass may claim it again. */
  leaseMs: number;
  /** Per-attempt deadline on top of each channel's own timeouts. */
  sendTimeoutMs: number;
  /** Rows claimed per pass, and so sent at once. */
  batch: number;
  pollMs: number;
  log: Logger;
  now?: () => number;
  random?: () => number;
  onAttempt?: (channel: string, outcome: AttemptOutcome, permanent: boolean) => void;
}

export class Dispatcher {
  private readonly o: DispatcherOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private again = false;
  private stopped = false;
  private started = false;
  private readonly abort = new AbortController();

  constructor(opts: DispatcherOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
  }

  hasChannel(kind: string): boolean {
    return this.o.senders[kind as AlertChannelKind] !== undefined;
  }

  start(): void {
    this.started = true;
    const released = this.o.outbox.releaseInterrupted(this.now());
    if (released) this.o.log.warn({ alerts: released }, 'alerts interrupted by the previous stop are queued again (same ids: receivers can drop duplicates)');
    this.schedule(0);
  }

  /** Something was queued: look now rather than at the next poll. */
  kick(): void {
    if (this.stopped || !this.started) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pass().finally(() => this.schedule(this.again ? 0 : this.o.pollMs));
    }, ms);
    this.timer.unref?.();
  }

  /** One pass: claims and delivers every due row (in batches). Returns how many were attempted. */
  pass(): Promise<number> {
    if (this.running) return this.running;
    const run = this.drain();
    this.running = run;
    // Cleared after the pass settles, never inside it: a pass that finds nothing finishes synchronously.
    void run.finally(() => {
      if (this.running === run) this.running = null;
    });
    return run;
  }

  private async drain(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        this.again = false;
        const rows = this.o.outbox.claim(this.now(), this.o.leaseMs, this.o.batch);
        if (rows.length === 0) break;
        total += rows.length;
        await Promise.allSettled(rows.map((r) => this.deliver(r)));
        if (this.stopped) break;
      }
    } catch (err) {
      // The database refused (disk full): the rows stay queued; the next pass tries again.
      this.o.log.error({ err }, 'could not read or update the alert outbox');
    }
    return total;
  }

  /**
   * Delivers one queued alert now, with one attempt and no retry (an operator's test alert): only
   * that row is claimed, so nothing else queued is sent from here. False when another sender (a
   * running daemon's dispatcher) claimed it first; it then delivers it.
   */
  async sendOnce(id: string): Promise<boolean> {
    const row = this.o.outbox.claimOne(id, this.now(), this.o.leaseMs);
    if (!row) return false;
    await this.deliver(row, []);
    return true;
  }

  private async deliver(row: OutboxRow, retryScheduleMs: readonly number[] = this.o.retryScheduleMs): Promise<void> {
    const t0 = performance.now();
    const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
    const message = JSON.parse(row.message) as AlertMessage;
    const sender = this.o.senders[row.channel as AlertChannelKind];
    const target = this.o.targetOf(row.subscription_id);
    let failure: DeliveryError;
    try {
      if (!target) throw new DeliveryError(`subscription ${row.subscription_id} was removed`, { permanent: true, outcome: 'failed' });
      if (!sender) throw new DeliveryError(`the ${row.channel} channel is not configured on this daemon`, { permanent: true, outcome: 'failed' });
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.sendTimeoutMs)]);
      const { detail } = await sender.send(message, target, signal);
      try {
        this.o.outbox.delivered(row, this.now(), elapsed(), detail);
      } catch (err) {
        // Sent, but not recorded (the disk): the row stays claimed and goes again when its lease
        // ends, with the same id for the receiver to drop. Not a failure of the receiver.
        this.o.log.error({ err, alert: row.id }, 'an alert was delivered but could not be marked sent; it will be sent again with the same id');
        return;
      }
      this.o.onAttempt?.(row.channel, 'delivered', false);
      this.o.log.info({ alert: row.id, event: row.event, center: row.center_id, subscription: row.subscription_id, channel: row.channel, attempt: row.attempts, detail }, 'alert delivered');
      return;
    } catch (err) {
      // A sender that failed in a way it did not classify cannot prove the receiver has nothing.
      failure = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? `${err.name}: ${err.message}` : String(err), { permanent: false, outcome: 'unknown' });
    }
    if (this.abort.signal.aborted) {
      // Our own shutdown cut the attempt short: not the receiver's failure. The row is released on restart.
      return;
    }
    const now = this.now();
    const decision = nextAttempt(row.attempts, retryScheduleMs, now, failure, this.o.random);
    this.o.outbox.attemptFailed(row, now, elapsed(), failure.message, failure.outcome, failure.permanent, decision.retry ? decision.at : null);
    this.o.onAttempt?.(row.channel, failure.outcome, failure.permanent);
    const ctx = { alert: row.id, event: row.event, subscription: row.subscription_id, channel: row.channel, attempt: row.attempts, outcome: failure.outcome, error: failure.message };
    if (decision.retry) this.o.log.warn({ ...ctx, retryAt: new Date(decision.at).toISOString() }, 'alert delivery failed; will retry');
    else this.o.log.error({ ...ctx, why: decision.why }, decision.why === 'permanent' ? 'alert not delivered: the receiver refused it for good' : 'alert not delivered after the last try');
  }

  /** Stops polling; attempts in flight get `graceMs`, then are cut (their rows are released on restart). */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const inflight = this.running;
    if (inflight) {
      const t = setTimeout(() => this.abort.abort(new Error('reachwatch is stopping')), graceMs);
      await inflight.catch(() => 0);
      clearTimeout(t);
    }
    await Promise.all(Object.values(this.o.senders).map((s) => s?.close?.()));
  }
}
