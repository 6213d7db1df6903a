// Whoever was possibly told "went dark" is told "recovered": a went-dark attempt that timed out
// after the receiver got it, or that a kill -9 cut short, counts as told even once the center's
// recovery has superseded its retry. Real daemon process, real SQLite file, real receiver.

import { afterEach, expect, test } from 'vitest';
import { startDaemonProcess, type RunningDaemon } from '../helpers/daemon.ts';
import { gammaWebhookSetUp, type GammaWebhook } from '../helpers/gamma-webhook.ts';
import type { ReceivedWebhook } from '../../simulators/receivers/webhook-receiver.ts';
import { page } from '../../simulators/sites.ts';
import { until as waitUntil } from '../helpers/wait.ts';

const until = <T>(what: string, fn: Parameters<typeof waitUntil<T>>[1]) => waitUntil(what, fn, 30_000);

const OPERATOR = 'operator-secret';
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface OutboxAlert {
  id: string;
  event: string;
  status: string;
  deliveries: { attempt: number; ok: boolean; outcome: string; detail: string }[];
}

const typeOf = (w: ReceivedWebhook): string => (w.body as { type: string }).type;

/** A site with center gamma, a receiver, and a config whose retry comes long after the recovery. */
const setUp = (webhookTimeout: string): Promise<GammaWebhook> => gammaWebhookSetUp(closers, { retry: '[60s, 60s, 60s]', webhookTimeout });

async function start(config: string, dataDir: string): Promise<RunningDaemon> {
  const daemon = await startDaemonProcess({ config, dataDir, env: { REACHWATCH_OPERATOR_TOKEN: OPERATOR } });
  closers.push(() => daemon.child.kill('SIGKILL'));
  return daemon;
}

const get = async <T>(daemon: RunningDaemon, p: string): Promise<T> =>
  (await (await fetch(`${daemon.url}${p}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as T;
const status = async (daemon: RunningDaemon) => (await get<{ status: string }>(daemon, '/api/v1/centers/gamma')).status;
const alert = (daemon: RunningDaemon, id: string) => get<OutboxAlert>(daemon, `/api/v1/outbox/${id}`);

test('a receiver that answers after our timeout got "went dark": it is told "recovered", though the retry was superseded', async () => {
  const { site, receiver, config, dataDir } = await setUp('1s');
  // The receiver takes the went-dark alert in, and answers long after our 1 s timeout.
  receiver.respondWith((_n, hook) => (typeOf(hook) === 'reachwatch.went_dark' ? { status: 204, delayMs: 3000 } : { status: 204 }));
  const daemon = await start(config, dataDir);
  await until('gamma reachable', async () => (await status(daemon)) === 'reachable');

  site.route('gamma.example.kz/*', page('down', { status: 503 }));
  await until('the went-dark alert at the receiver', () => receiver.received.length >= 1);
  const darkId = receiver.received[0]?.id as string;
  expect(typeOf(receiver.received[0] as ReceivedWebhook)).toBe('reachwatch.went_dark');
  // Our side gave up waiting: the result is unknown, and the retry is a minute away.
  const timedOut = await until('the attempt recorded', async () => {
    const a = await alert(daemon, darkId);
    return a.deliveries.length > 0 && a;
  });
  expect(timedOut.status).toBe('pending');
  expect(timedOut.deliveries).toMatchObject([{ attempt: 1, ok: false, outcome: 'unknown', detail: expect.stringMatching(/No answer from the webhook within 1000 ms/) }]);

  // The center recovers before the retry: the retry is dropped, and the receiver hears the recovery.
  site.route('gamma.example.kz/*', page('<title>ok</title>'));
  const recovered = await until('the recovery at the receiver', () => receiver.received.find((w) => typeOf(w) === 'reachwatch.recovered'));
  expect(recovered.verified).toBe(true);
  expect(await status(daemon)).toBe('reachable');
  await until('the recovery recorded as sent', async () => (await alert(daemon, recovered.id)).status === 'sent');
  expect(await alert(daemon, darkId)).toMatchObject({ status: 'suppressed' });
  // One went-dark id, one recovered id: nothing beyond what the idempotency key covers.
  expect(new Set(receiver.received.filter((w) => typeOf(w) === 'reachwatch.went_dark').map((w) => w.id))).toEqual(new Set([darkId]));
  expect(new Set(receiver.received.filter((w) => typeOf(w) === 'reachwatch.recovered').map((w) => w.id))).toEqual(new Set([recovered.id]));
  daemon.child.kill('SIGTERM');
  await daemon.exited;
}, 90_000);

test('kill -9 while the receiver holds "went dark": after the restart the center recovers, and the receiver is told', async () => {
  const { site, receiver, config, dataDir } = await setUp('15s');
  // The first went-dark request is held (the daemon is killed meanwhile); after the restart the
  // receiver refuses it (503, certainly not delivered), so only the killed attempt can count as told.
  receiver.respondWith((n, hook) => (typeOf(hook) !== 'reachwatch.went_dark' ? { status: 204 } : n === 1 ? 'hang' : { status: 503 }));
  let daemon = await start(config, dataDir);
  await until('gamma reachable', async () => (await status(daemon)) === 'reachable');

  site.route('gamma.example.kz/*', page('down', { status: 503 }));
  await until('the went-dark request at the receiver', () => receiver.received.length >= 1);
  daemon.child.kill('SIGKILL');
  expect(await daemon.exited).toBe('SIGKILL');
  const darkId = receiver.received[0]?.id as string;
  expect(typeOf(receiver.received[0] as ReceivedWebhook)).toBe('reachwatch.went_dark');

  daemon = await start(config, dataDir);
  // The restart queues the interrupted alert again; the receiver refuses it, and the retry is a minute away.
  const refused = await until('the refused resend recorded', async () => {
    const a = await alert(daemon, darkId);
    return a.deliveries.length >= 2 && a;
  });
  expect(refused.status).toBe('pending');
  expect(refused.deliveries).toMatchObject([
    { attempt: 1, ok: false, outcome: 'unknown', detail: expect.stringMatching(/^interrupted/) },
    { attempt: 2, ok: false, outcome: 'failed', detail: expect.stringMatching(/^HTTP 503/) },
  ]);

  site.route('gamma.example.kz/*', page('<title>ok</title>'));
  const recovered = await until('the recovery at the receiver', () => receiver.received.find((w) => typeOf(w) === 'reachwatch.recovered'));
  expect(recovered.verified).toBe(true);
  await until('the recovery recorded as sent', async () => (await alert(daemon, recovered.id)).status === 'sent');
  expect(await alert(daemon, darkId)).toMatchObject({ status: 'suppressed' });
  expect(new Set(receiver.received.filter((w) => typeOf(w) === 'reachwatch.went_dark').map((w) => w.id))).toEqual(new Set([darkId]));
  expect(new Set(receiver.received.filter((w) => typeOf(w) === 'reachwatch.recovered').map((w) => w.id))).toEqual(new Set([recovered.id]));
  daemon.child.kill('SIGTERM');
  await daemon.exited;
}, 90_000);
