// Wiring for center status, incidents, maintenance, self-check and alert delivery. The parts are in
// their own folders (status, incidents, maintenance, selfcheck, alerts); this file connects them and
// owns the timers.

import type { Logger } from 'pino';
import type { AlertChannelKind, AlertSender } from '../alerts/channel.ts';
import { Dispatcher } from '../alerts/dispatcher.ts';
import { Outbox } from '../alerts/outbox.ts';
import { AlertRaiser } from '../alerts/raiser.ts';
import { Subscriptions } from '../alerts/subscriptions-store.ts';
import type { Config } from '../config/config.ts';
import { CenterTracker } from '../incidents/tracker.ts';
import { MaintenanceWindows } from '../maintenance/windows.ts';
import type { TwilioSettings } from '../probers/phone/settings.ts';
import { SelfCheckRecorder } from '../selfcheck/periods.ts';
import { providerAccountSignal } from '../selfcheck/provider-account.ts';
import { SelfCheck } from '../selfcheck/self-check.ts';
import type { DB } from '../store/db.ts';
import { IncidentStore } from '../store/incidents.ts';
import { SelfCheckPeriods } from '../store/self-check-periods.ts';
import type { StoredProbe } from '../store/probe-writer.ts';

export interface Alerting {
  outbox: Outbox;
  subscriptions: Subscriptions;
  maintenance: MaintenanceWindows;
  tracker: CenterTracker;
  dispatcher: Dispatcher;
  selfCheck: SelfCheck;
  /** Delivery outcomes since start, by channel, for /metrics. */
  deliveries: Map<string, { ok: number; failed: number; permanent: number; unknown: number }>;
  /** Inside each probe batch's transaction. */
  afterBatch(stored: StoredProbe[]): void;
  /** After each commit: our own health, read from what was stored. */
  afterCommit(stored: StoredProbe[]): void;
  start(opts: { recheckCanaries: () => Promise<unknown> }): void;
  stop(): Promise<void>;
}

export async function buildSenders(config: Config, twilio: TwilioSettings | null): Promise<Partial<Record<AlertChannelKind, AlertSender>>> {
  const a = config.alerts;
  const senders: Partial<Record<AlertChannelKind, AlertSender>> = {};
  // Loaded on demand: a daemon without email or SMS never loads nodemailer or twilio.
  senders.webhook = (await import('../alerts/channels/webhook.ts')).createWebhookSender({
    timeoutMs: a.webhook.timeoutMs,
    userAgent: config.website.userAgent,
    allowPrivate: a.webhook.allowPrivate,
  });
  if (a.smtp) senders.email = (await import('../alerts/channels/email.ts')).createEmailSender({ ...a.smtp, timeoutMs: a.sendTimeoutMs });
  if (a.telegram) senders.telegram = (await import('../alerts/channels/telegram.ts')).createTelegramSender({ ...a.telegram, timeoutMs: a.sendTimeoutMs });
  if (a.sms && twilio) {
    const { createTwilioClient } = await import('../probers/phone/twilio-client.ts');
    senders.sms = (await import('../alerts/channels/sms.ts')).createSmsSender({ client: createTwilioClient(twilio), from: a.sms.from });
  }
  return senders;
}

export async function createAlerting(db: DB, config: Config, log: Logger, twilio: TwilioSettings | null, now: () => number = Date.now): Promise<Alerting> {
  const outbox = new Outbox(db);
  const subscriptions = new Subscriptions(db);
  subscriptions.syncConfig(config.alerts.subscriptions, now());
  const maintenance = new MaintenanceWindows(db);
  maintenance.syncDeclared(config.maintenance, now());
  const deliveries = new Map<string, { ok: number; failed: number; permanent: number; unknown: number }>();
  let dispatcher: Dispatcher | null = null;
  const tracker = new CenterTracker({
    store: new IncidentStore(db),
    alerts: new AlertRaiser({ outbox, subscriptions: () => subscriptions.all(), log: log.child({ part: 'centers' }), onQueued: () => dispatcher?.kick() }),
    maintenance,
    rules: { darkAfterMs: config.centers.darkAfterMs },
    reminderMs: config.alerts.reminderMs,
    boardUrl: config.alerts.boardUrl,
    defaultTz: config.defaultTimezone,
    log: log.child({ part: 'centers' }),
    now,
  });
  dispatcher = new Dispatcher({
    outbox,
    senders: await buildSenders(config, twilio),
    targetOf: (id) => subscriptions.targetOf(id),
    retryScheduleMs: config.alerts.retryScheduleMs,
    leaseMs: config.alerts.sendTimeoutMs * 2 + 10_000,
    sendTimeoutMs: config.alerts.sendTimeoutMs,
    batch: 20,
    pollMs: config.alerts.pollMs,
    log: log.child({ part: 'alerts' }),
    now,
    onAttempt: (channel, outcome, permanent) => {
      const d = deliveries.get(channel) ?? { ok: 0, failed: 0, permanent: 0, unknown: 0 };
      if (outcome === 'delivered') d.ok++;
      else if (permanent) d.permanent++;
      else if (outcome === 'unknown') d.unknown++;
      else d.failed++;
      deliveries.set(channel, d);
    },
  });

  const selfCheck = new SelfCheck(now);
  const selfCheckRecords = new SelfCheckRecorder(
    new SelfCheckPeriods(db),
    (n) =>
      tracker.raiseSelfCheck(
        { event: 'self_check', at: n.since, center: null, channels: [], evidence: [], boardUrl: config.alerts.boardUrl, selfCheck: n },
        `self_check:${n.degraded ? 'degraded' : 'recovered'}:${n.since}`,
      ),
    log,
  );
  selfCheck.onChange = (state) => {
    if (state.degraded) log.error({ failing: state.failing }, 'reachwatch is degraded: center statuses are frozen and only the operator is alerted');
    else log.info('reachwatch recovered: center statuses are evaluated again');
    tracker.setFrozen(state.degraded);
    selfCheckRecords.push(state);
  };

  let sweepTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  // Windows that ended while the daemon was down (up to a week) still owe their late alerts; a
  // second look at one that was handled changes nothing (the alert's key is taken).
  let lastSweep = now() - 7 * 86_400_000;
  return {
    outbox,
    subscriptions,
    maintenance,
    tracker,
    dispatcher,
    selfCheck,
    deliveries,
    afterBatch: (stored) => tracker.afterBatch(stored),
    afterCommit: (stored) => {
      selfCheck.report('disk', null);
      for (const s of stored) {
        const signal = providerAccountSignal(s.record.evidence.method, s.record.classification);
        if (signal !== undefined) selfCheck.report('twilio_account', signal);
      }
    },
    start({ recheckCanaries }) {
      tracker.loadCenters();
      tracker.evaluateAll();
      dispatcher.start();
      const tick = async () => {
        try {
          selfCheckRecords.flush();
          // While the canaries fail, nothing else asks them again (failures are ours); ask here.
          if (selfCheck.state.failing.some((f) => f.check === 'canaries')) await recheckCanaries();
          const t = now();
          // Frozen while degraded: the windows that end meanwhile are looked at once it recovers.
          if (tracker.sweep(lastSweep)) lastSweep = t;
        } catch (err) {
          log.error({ err }, 'the center status sweep failed; it runs again shortly');
        }
        if (stopped) return;
        sweepTimer = setTimeout(() => void tick(), config.centers.sweepMs);
        sweepTimer.unref?.();
      };
      sweepTimer = setTimeout(() => void tick(), config.centers.sweepMs);
      sweepTimer.unref?.();
    },
    async stop() {
      stopped = true;
      if (sweepTimer) clearTimeout(sweepTimer);
      sweepTimer = null;
      // Centers changed by the last probes are evaluated (and their alerts queued) before the database closes.
      await Promise.race([tracker.settle(), new Promise((r) => setTimeout(r, 2000))]);
      tracker.stop();
      await dispatcher.stop();
    },
  };
}
