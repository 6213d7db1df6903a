// Alerts are never lost: not through a kill -9 between the status change and the delivery, and not
// while a receiver is down for an hour. Real daemon process, real SQLite file, real receivers.

import pino from 'pino';
import { afterEach, expect, test } from 'vitest';
import { Dispatcher } from '../../src/alerts/dispatcher.ts';
import { createWebhookSender } from '../../src/alerts/channels/webhook.ts';
import { renderAlert } from '../../src/alerts/messages.ts';
import { Outbox } from '../../src/alerts/outbox.ts';
import { DEFAULT_RETRY_SCHEDULE_MS } from '../../src/alerts/retry.ts';
import { Subscriptions } from '../../src/alerts/subscriptions-store.ts';
import { openDatabase } from '../../src/store/db.ts';
import { startDaemonProcess, type RunningDaemon } from '../helpers/daemon.ts';
import { gammaWebhookSetUp, WEBHOOK_SECRET as SECRET } from '../helpers/gamma-webhook.ts';
import { startWebhookReceiver } from '../../simulators/receivers/webhook-receiver.ts';
import { page } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until as waitUntil } from '../helpers/wait.ts';

const until = <T>(what: string, fn: Parameters<typeof waitUntil<T>>[1]) => waitUntil(what, fn, 20_000);

const OPERATOR = 'operator-secret';
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

test('kill -9 between the status change and the delivery: delivered after the restart, one webhook-id', async () => {
  const { site, receiver, config, dataDir } = await gammaWebhookSetUp(closers);
  // The first delivery reaches the receiver, which has not answered when the daemon is killed.
  receiver.respondWith((n) => (n === 1 ? 'hang' : { status: 204 }));
  const env = { REACHWATCH_OPERATOR_TOKEN: OPERATOR };
  let daemon: RunningDaemon = await startDaemonProcess({ config, dataDir, env });
  closers.push(() => daemon.child.kill('SIGKILL'));
  const status = async () => ((await (await fetch(`${daemon.url}/api/v1/centers/gamma`)).json()) as { status: string }).status;
  await until('gamma reachable', async () => (await status()) === 'reachable');

  site.route('gamma.example.kz/*', page('down', { status: 503 }));
  await until('the first delivery attempt at the receiver', () => receiver.received.length >= 1);
  daemon.child.kill('SIGKILL');
  expect(await daemon.exited).toBe('SIGKILL');
  const id = receiver.received[0]?.id as string;
  expect(id).toMatch(/^msg_/);

  const restartedAt = Date.now();
  daemon = await startDaemonProcess({ config, dataDir, env });
  await until('the delivery after the restart', () => receiver.received.length >= 2);
  expect(receiver.received.map((r) => r.id)).toEqual([id, id]);
  expect(receiver.received.every((r) => r.verified)).toBe(true);
  expect(receiver.uniqueIds()).toEqual([id]);
  const alert = (await (await fetch(`${daemon.url}/api/v1/outbox/${id}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as {
    status: string;
    deliveries: { attempt: number; ok: boolean; detail: string }[];
  };
  expect(alert.status).toBe('sent');
  expect(alert.deliveries).toMatchObject([
    { attempt: 1, ok: false, detail: expect.stringMatching(/^interrupted/) },
    { attempt: 2, ok: true, detail: 'HTTP 204' },
  ]);
  // The restart re-evaluated gamma from stored state: still dark, no second went_dark.
  expect(await status()).toBe('dark');
  // Probed again after the restart, and nothing waiting in the outbox: a second went_dark would be
  // at the receiver by now, however slowly the machine ran.
  const get = async <T>(p: string): Promise<T> => (await (await fetch(`${daemon.url}${p}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as T;
  const channel = (await get<{ channels: { id: string }[] }>('/api/v1/centers/gamma')).channels[0]?.id as string;
  await until('two probes of gamma after the restart', async () => (await get<{ probes: { startedAt: string }[] }>(`/api/v1/channels/${channel}/probes?limit=10`)).probes.filter((p) => Date.parse(p.startedAt) > restartedAt).length >= 2);
  const queued = async (st: string) => (await get<{ alerts: unknown[] }>(`/api/v1/outbox?status=${st}`)).alerts.length;
  await until('an empty outbox', async () => (await queued('pending')) + (await queued('sending')) === 0);
  expect(receiver.uniqueIds()).toEqual([id]);
  daemon.child.kill('SIGTERM');
  await daemon.exited;
}, 60_000);

test('a receiver down for an hour: retried with backoff, delivered when it is back, every attempt recorded', async () => {
  const t = tempDir();
  closers.push(t.remove);
  const db = openDatabase(t.dir);
  closers.push(() => db.close());
  // Reserve a port, then take the receiver down: for an hour, connections to it are refused.
  const first = await startWebhookReceiver({ secret: SECRET });
  const port = Number(new URL(first.url).port);
  await first.close();

  let clock = Date.UTC(2026, 2, 5, 8, 0);
  const subs = new Subscriptions(db);
  subs.syncConfig([{ id: 'ngo', channel: 'webhook', target: { kind: 'webhook', url: `http://127.0.0.1:${port}/`, secret: SECRET }, language: 'en', filters: { centers: [], regions: [], kinds: [], events: ['went_dark'] } }], clock);
  const outbox = new Outbox(db);
  const sub = subs.all()[0]!;
  const message = renderAlert(
    { event: 'went_dark', at: clock, center: { id: 'x', name: 'X', kind: 'rehabilitation_center', region: null, city: null, tz: 'Asia/Almaty' }, channels: [], evidence: [], boardUrl: null },
    'en',
  );
  const id = outbox.enqueue({ dedupeKey: 'went_dark:1:ngo', subscription: sub, centerId: 'x', incidentId: 1, message, now: clock }) as string;
  const dispatcher = new Dispatcher({
    outbox,
    senders: { webhook: createWebhookSender({ timeoutMs: 2000, userAgent: 'reachwatch-test', allowPrivate: true }) },
    targetOf: (s) => subs.targetOf(s),
    retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
    leaseMs: 60_000,
    sendTimeoutMs: 5000,
    batch: 10,
    pollMs: 1000,
    log: pino({ level: 'silent' }),
    now: () => clock,
    random: () => 0.5,
  });
  closers.push(() => dispatcher.stop());

  // A pass every simulated minute for an hour, as the poll loop would make.
  let attempts = 0;
  for (let minute = 0; minute < 60; minute++) {
    attempts += await dispatcher.pass();
    clock += 60_000;
  }
  // Tries at 0 s, 5 s (the next pass, at 1 min) and 5 min later (6 min), then 30 min later (36 min): the 2 h retry is still ahead.
  expect(attempts).toBe(4);
  expect(outbox.get(id)).toMatchObject({ status: 'pending', attempts: 4 });
  expect(outbox.attempts(id).every((a) => a.ok === 0 && /ECONNREFUSED|refused/i.test(a.detail))).toBe(true);

  const back = await startWebhookReceiver({ secret: SECRET, port });
  closers.push(() => back.close());
  // Nothing is sent before the scheduled retry (no storm when the receiver returns)...
  expect(await dispatcher.pass()).toBe(0);
  // ...and at it, the alert goes through with the id it had an hour ago.
  clock = (outbox.get(id)?.next_attempt_at as number) + 1;
  expect(await dispatcher.pass()).toBe(1);
  expect(back.received.map((r) => r.id)).toEqual([id]);
  expect(back.received[0]?.verified).toBe(true);
  expect(outbox.get(id)).toMatchObject({ status: 'sent', attempts: 5 });
  expect(outbox.attempts(id).map((a) => a.ok)).toEqual([0, 0, 0, 0, 1]);
});
