// `reachwatch alerts test <subscription>`: a test alert through the same outbox, dispatcher and
// senders as every alert, so "delivered" means the daemon's path works for that subscriber. Wiring
// only: the message is rendered by alerts/messages.ts, the row written and claimed by the outbox.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Dispatcher } from '../alerts/dispatcher.ts';
import { renderAlert } from '../alerts/messages.ts';
import { Outbox } from '../alerts/outbox.ts';
import { Subscriptions } from '../alerts/subscriptions-store.ts';
import type { Config } from '../config/config.ts';
import type { DB } from '../store/db.ts';
import { buildSenders } from './alerting.ts';

export class UnknownSubscription extends Error {
  override name = 'UnknownSubscription';
  readonly known: string[];
  constructor(id: string, known: string[]) {
    super(`no active subscription "${id}"; ${known.length ? `the active ones are ${known.join(', ')}` : 'there is none (see alerts.subscriptions in the config, or POST /api/v1/subscriptions)'}`);
    this.known = known;
  }
}

export interface TestAlertResult {
  /** What the first attempt did; `pending` when no attempt was recorded within the wait. */
  outcome: 'delivered' | 'failed' | 'unknown' | 'pending';
  alertId: string;
  subscription: string;
  channel: string;
  /** What the receiver answered, or the error. */
  detail: string;
  /** Who sent it: this process, or a running daemon's dispatcher that claimed it first. */
  sentBy: 'this command' | 'the running daemon';
}

export async function sendTestAlert(db: DB, config: Config, log: Logger, subscriptionId: string, opts: { waitMs: number; now?: () => number }): Promise<TestAlertResult> {
  const now = opts.now ?? Date.now;
  const subscriptions = new Subscriptions(db);
  // As the daemon does at start, so a subscription just added to the config file can be tested.
  subscriptions.syncConfig(config.alerts.subscriptions, now());
  const sub = subscriptions.all().find((s) => s.id === subscriptionId);
  if (!sub) throw new UnknownSubscription(subscriptionId, subscriptions.all().map((s) => s.id));
  const outbox = new Outbox(db);
  const at = now();
  const message = renderAlert({ event: 'test', at, center: null, channels: [], evidence: [], boardUrl: config.alerts.boardUrl }, sub.language);
  const alertId = outbox.enqueue({ dedupeKey: `test:${sub.id}:${at}:${randomBytes(4).toString('hex')}`, subscription: sub, centerId: null, incidentId: null, message, now: at });
  if (alertId === null) throw new Error('the test alert could not be queued');
  const dispatcher = new Dispatcher({
    outbox,
    senders: await buildSenders(config, config.twilio.settings),
    targetOf: (id) => subscriptions.targetOf(id),
    retryScheduleMs: config.alerts.retryScheduleMs,
    leaseMs: config.alerts.sendTimeoutMs * 2 + 10_000,
    sendTimeoutMs: config.alerts.sendTimeoutMs,
    batch: 1,
    pollMs: config.alerts.pollMs,
    log,
    now,
  });
  let sentBy: TestAlertResult['sentBy'] = 'this command';
  try {
    if (!(await dispatcher.sendOnce(alertId))) {
      // A running daemon's dispatcher claimed it between the insert and our claim: it delivers it.
      sentBy = 'the running daemon';
      const deadline = Date.now() + opts.waitMs;
      while (outbox.attempts(alertId).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await dispatcher.stop(0);
  }
  const last = outbox.attempts(alertId).at(-1);
  return {
    outcome: last ? last.outcome : 'pending',
    alertId,
    subscription: sub.id,
    channel: sub.channel,
    detail: last?.detail ?? `no attempt yet; see GET /api/v1/outbox/${alertId}`,
    sentBy,
  };
}
