// Queues planned alerts in the outbox, one message per matching subscription, rendered in its
// language. Runs inside the caller's transaction; tells the dispatcher only after the commit.

import type { Logger } from 'pino';
import type { AlertPlan, Audience } from './center-alerts.ts';
import { renderAlert } from './messages.ts';
import type { Outbox } from './outbox.ts';
import { subscriptionMatches, type Subscription } from './subscription.ts';

export interface AlertRaiserOptions {
  outbox: Outbox;
  subscriptions: () => readonly Subscription[];
  log: Logger;
  /** Called after alerts were queued (the dispatcher looks at once). */
  onQueued?: () => void;
}

export class AlertRaiser {
  private readonly o: AlertRaiserOptions;
  /** Alerts queued to be sent since the last flush. */
  private queued = 0;

  constructor(opts: AlertRaiserOptions) {
    this.o = opts;
  }

  raise(plan: AlertPlan): void {
    const { outbox } = this.o;
    if (plan.supersedes) outbox.supersede(plan.supersedes.incidentId, plan.supersedes.why);
    const { facts } = plan;
    for (const sub of this.o.subscriptions()) {
      if (!subscriptionMatches(sub, facts.event, facts.center) || !this.hears(plan.audience, sub)) continue;
      const id = outbox.enqueue({
        dedupeKey: `${plan.key}:${sub.id}`,
        subscription: sub,
        centerId: facts.center?.id ?? null,
        incidentId: facts.incidentId ?? null,
        message: renderAlert(facts, sub.language),
        now: facts.at,
        suppressedBy: plan.suppressedBy,
      });
      if (id && !plan.suppressedBy) this.queued++;
      this.o.log.debug({ sub: sub.id, event: facts.event, id }, 'alert queued');
    }
  }

  private hears(a: Audience, sub: Subscription): boolean {
    if (a.kind === 'all') return true;
    if (a.kind === 'told') return this.o.outbox.told(a.incidentId, sub.id);
    if (a.kind === 'concerned') return this.o.outbox.concerned(a.incidentId, sub.id);
    return !this.o.outbox.told(a.incidentId, sub.id, a.events);
  }

  /** Call after the transaction that queued alerts has committed (or ended). */
  flush(): void {
    if (this.queued === 0) return;
    this.queued = 0;
    // After the commit: the transaction that queued the rows has finished when this microtask runs.
    queueMicrotask(() => this.o.onQueued?.());
  }
}
