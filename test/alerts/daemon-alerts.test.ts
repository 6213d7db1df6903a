// Centers going dark, end to end: the real daemon probes real loopback sites and delivers alerts to
// real receivers (an SMTP server, signed-webhook receivers, a Telegram Bot API server, the local
// Twilio-protocol server for SMS). Scenarios run in order against one daemon, as the days of a year would.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { freePort } from '../helpers/daemon.ts';
import { startSmtpServer, type SmtpTestServer } from '../../simulators/receivers/smtp.ts';
import { startTelegramApi, type TelegramApi } from '../../simulators/receivers/telegram.ts';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../simulators/receivers/webhook-receiver.ts';
import { page, reset, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { startFakeTwilio, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BOT = '123456:TEST-token';
const OPERATOR = 'operator-secret';
const ACCOUNT = 'AC' + '0'.repeat(32);
const TOKEN = 'test-auth-token';
const NGO_PHONE = '+77011234567';

let site: LoopbackSite;
let ngo: WebhookReceiver;
let flaky: WebhookReceiver;
let broken: WebhookReceiver;
let ops: WebhookReceiver;
let smtp: SmtpTestServer;
let telegram: TelegramApi;
let twilio: FakeTwilio;
let daemon: Daemon;
let cleanup: () => void;

const ok = () => page('<title>Center</title><p>Помощь</p>');
const down = () => page('Service Unavailable', { status: 503 });

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  site = await startSite({ routes: { 'alpha.example.kz/*': ok(), 'beta.example.kz/*': ok(), 'beta-old.example.kz/*': ok(), 'canary.test/*': page('ok') } });
  ngo = await startWebhookReceiver({ secret: SECRET });
  flaky = await startWebhookReceiver({ secret: SECRET });
  flaky.respondWith((n) => (n <= 2 ? { status: 500 } : { status: 204 }));
  broken = await startWebhookReceiver({ secret: SECRET });
  broken.respondWith(() => ({ status: 400 }));
  ops = await startWebhookReceiver({ secret: SECRET });
  smtp = await startSmtpServer();
  telegram = await startTelegramApi({ token: BOT });
  twilio = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 0.01 });

  const host = (h: string) => site.url(h, '/');
  writeFileSync(
    path.join(t.dir, 'centers.yaml'),
    `- id: alpha
  name: Alpha
  kind: rehabilitation_center
  region_normalized: Almaty
  city: Almaty
  channels:
    - {type: website, value: "${host('alpha.example.kz')}"}
- id: beta
  name: Beta
  kind: rehabilitation_center
  region_normalized: Astana
  channels:
    - {type: website, value: "${host('beta.example.kz')}"}
    - {type: website, value: "${host('beta-old.example.kz')}"}
`,
  );
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    REACHWATCH_DATA_DIR: path.join(t.dir, 'data'),
    REACHWATCH_TELEGRAM_BOT_TOKEN: BOT,
    REACHWATCH_TELEGRAM_API_URL: telegram.url,
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    REACHWATCH_TWILIO_FROM: '+15005550006',
    REACHWATCH_PUBLIC_URL: `http://127.0.0.1:${port}`,
    REACHWATCH_TWILIO_BASE_URL: twilio.baseUrl,
    REACHWATCH_OPERATOR_TOKEN: OPERATOR,
  };
  const webhook = (id: string, url: string, extra: Record<string, unknown> = {}) => ({ id, channel: 'webhook', url, secret: SECRET, language: 'en', ...extra });
  const config = buildConfig(
    {
      registry: { file: 'centers.yaml', watch: false },
      scheduler: { defaults: { website: '1s' }, jitter: '10ms' },
      website: { resolve: { 'alpha.example.kz': '127.0.0.1', 'beta.example.kz': '127.0.0.1', 'beta-old.example.kz': '127.0.0.1', 'canary.test': '127.0.0.1' }, total_timeout: '2s' },
      status: { confirmations: 2 },
      canaries: { urls: [host('canary.test')], max_age: '200ms' },
      store: { flush_interval: '20ms' },
      centers: { dark_after: 0, sweep_interval: '200ms' },
      alerts: {
        board_url: 'https://board.example.kz',
        retry: ['300ms', '300ms', '300ms'],
        poll_interval: '100ms',
        webhook: { allow_private_addresses: true },
        smtp: { host: '127.0.0.1', port: smtp.port, from: 'reachwatch <alerts@reachwatch.test>' },
        subscriptions: [
          webhook('ngo-all', ngo.url),
          webhook('ngo-flaky', flaky.url, { centers: ['alpha'], events: ['went_dark'] }),
          webhook('ngo-broken', broken.url, { centers: ['alpha'], events: ['went_dark'] }),
          webhook('operator', ops.url, { events: ['self_check'] }),
          { id: 'ngo-mail', channel: 'email', to: 'duty@ngo.test', language: 'ru', centers: ['alpha'] },
          { id: 'ngo-telegram', channel: 'telegram', chat_id: '-100200300', language: 'kk', centers: ['alpha'] },
          { id: 'ngo-sms', channel: 'sms', to: NGO_PHONE, language: 'ru', centers: ['alpha'], events: ['went_dark', 'recovered'] },
        ],
      },
    },
    env,
    null,
    (k) => k.join('.'),
    t.dir,
  );
  daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
}, 30_000);

afterAll(async () => {
  await daemon?.stop();
  await Promise.all([site, ngo, flaky, broken, ops, smtp, telegram, twilio].map((x) => x?.close()));
  cleanup?.();
});

const api = async <T>(p: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${daemon.url}${p}`, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
};
const centerStatus = async (id: string) => (await api<{ status: string }>(`/api/v1/centers/${id}`)).body.status;
const ofEvent = (r: WebhookReceiver, type: string, center: string): ReceivedWebhook[] =>
  r.received.filter((w) => (w.body as { type: string; data: { center?: { id: string } } }).type === type && (w.body as { data: { center?: { id: string } } }).data.center?.id === center);
const auth = { authorization: `Bearer ${OPERATOR}` };
const queued = async (status: string) => (await api<{ alerts: unknown[] }>(`/api/v1/outbox?status=${status}`, { headers: auth })).body.alerts.length;
/** Nothing waits in the outbox: every alert so far is sent, failed or held, so no late delivery can still come. */
const outboxSettled = () => until('an empty outbox', async () => (await queued('pending')) + (await queued('sending')) === 0);
/**
 * Waits until every website channel has `n` probes that started after `since`: the daemon has had
 * that many chances to act (change a status, send an alert), however slowly the machine runs.
 * "Nothing happened" is judged after that, never after a fixed sleep.
 */
async function probedSince(since: number, n: number): Promise<void> {
  const counts = daemon.db.prepare<[number], { n: number }>(
    "SELECT count(p.id) AS n FROM channels c LEFT JOIN probes p ON p.channel_ref = c.ref AND p.started_at > ? WHERE c.type = 'website' AND c.archived_at IS NULL GROUP BY c.ref",
  );
  await until(`${n} probes of every channel`, () => counts.all(since).every((r) => r.n >= n), 30_000);
}

describe('a center goes dark and recovers', () => {
  test('every channel type delivers once, in its language, with the evidence and a link', async () => {
    await until('both centers reachable', async () => (await centerStatus('alpha')) === 'reachable' && (await centerStatus('beta')) === 'reachable');
    expect(ngo.received).toHaveLength(0); // unknown -> reachable is not news
    telegram.rateLimitNext(1); // Telegram asks us to wait a second: we do, and deliver

    site.route('alpha.example.kz/*', down());
    const [dark] = await until('went_dark at the NGO webhook', () => ofEvent(ngo, 'reachwatch.went_dark', 'alpha').length > 0 && ofEvent(ngo, 'reachwatch.went_dark', 'alpha'));
    expect(await centerStatus('alpha')).toBe('dark');
    expect(dark?.verified).toBe(true);
    const data = (dark?.body as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({ status: 'dark', center: { id: 'alpha', name: 'Alpha', region: 'Almaty' }, center_url: 'https://board.example.kz/centers/alpha' });
    expect((data.evidence as { reason: string }[]).map((e) => e.reason)).toEqual(['http_5xx', 'http_5xx']);

    await smtp.waitFor(1);
    const mail = smtp.messages[0];
    expect(mail?.subject).toBe('Недоступен: Alpha');
    expect(mail?.text).toContain('Регион: Almaty');
    expect(mail?.text).toContain('HTTP 503');
    expect(mail?.messageId).toMatch(/^<msg_[0-9a-z]+@reachwatch>$/);

    const tg = await until('the Telegram message', () => telegram.messages.find((m) => m.text.includes('Қолжетімсіз')));
    expect(tg.chatId).toBe('-100200300');
    expect(tg.parseMode).toBe('HTML');
    expect(telegram.requests).toBeGreaterThanOrEqual(2); // the 429, then the delivery

    const sms = await until('the SMS', () => [...twilio.messages.values()].find((m) => m.to === NGO_PHONE));
    expect(sms.body).toMatch(/^Недоступен: Alpha/);

    // A receiver that fails twice, then accepts: three tries, one webhook-id. One that answers 400: one try, failed for good.
    await until('the flaky receiver accepted', () => flaky.received.length >= 3);
    expect(flaky.uniqueIds()).toHaveLength(1);
    // Failed for good (a final state) before counting: no later try can still be on its way.
    await until('the broken alert failed', async () => (await queued('failed')) > 0);
    expect(broken.received).toHaveLength(1);
    const failed = await api<{ alerts: { subscriptionId: string; status: string; attempts: number; lastError: string }[] }>('/api/v1/outbox?status=failed', { headers: auth });
    expect(failed.body.alerts).toMatchObject([{ subscriptionId: 'ngo-broken', status: 'failed', attempts: 1 }]);
    expect(failed.body.alerts[0]?.lastError).toMatch(/HTTP 400/);

    site.route('alpha.example.kz/*', ok());
    await until('recovered at the NGO webhook', () => ofEvent(ngo, 'reachwatch.recovered', 'alpha').length > 0);
    await smtp.waitFor(2);
    expect(smtp.messages[1]?.subject).toBe('Снова доступен: Alpha');
    await until('the Telegram recovery', () => telegram.messages.some((m) => m.text.includes('Қайта қолжетімді')));
    await until('the SMS recovery', () => [...twilio.messages.values()].some((m) => m.to === NGO_PHONE && m.body.startsWith('Снова доступен')));
    // Recoveries go only to those who were told: flaky and broken subscribed to went_dark only.
    expect(flaky.uniqueIds()).toHaveLength(1);

    const incidents = await api<{ incidents: { centerId: string; worstStatus: string; closedAt: string | null; closeReason: string }[] }>('/api/v1/incidents?center=alpha');
    expect(incidents.body.incidents).toMatchObject([{ centerId: 'alpha', worstStatus: 'dark', closeReason: 'reachable' }]);
    expect(incidents.body.incidents[0]?.closedAt).not.toBeNull();
    // Exactly once per subscription: one went_dark and one recovered at the NGO.
    expect(ngo.uniqueIds()).toHaveLength(2);
    expect(ngo.received).toHaveLength(2);

    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(/reachwatch_outbox_alerts\{status="failed"\} 1/);
    expect(metrics).toMatch(/reachwatch_alert_deliveries_total\{channel="webhook",result="permanent"\} 1/);
    expect(metrics).toMatch(/reachwatch_self_check_degraded 0/);
    expect(metrics).not.toContain('alpha.example.kz');
    // Probe series under reachwatch's own names (issue 18: blackbox_exporter's clashed), by type and outcome.
    expect(metrics).toMatch(/^reachwatch_probe_duration_seconds_bucket\{le="0\.5",channel_type="website",method="http",outcome="reachable"\} \d+/m);
    expect(metrics).toMatch(/^reachwatch_channels_reachable_ratio\{channel_type="website",method="http"\} (0|1|0\.\d+)/m);
    expect(metrics).not.toMatch(/^probe_(success|duration_seconds)/m);
    expect(metrics).toMatch(/reachwatch_probes_total\{channel_type="website",method="http",outcome="unavailable"\} [1-9]/);
    expect(metrics).toMatch(/reachwatch_scheduler_recent_lag_seconds\{percentile="99"\} /);
    expect(metrics).toMatch(/reachwatch_centers\{status="reachable"\} 2/);
  }, 60_000);
});

describe('one channel down while another is up', () => {
  test('the center is partial, not dark, and subscribers hear "partly reachable"', async () => {
    const before = ngo.received.length;
    site.route('beta-old.example.kz/*', down());
    const [partial] = await until('partly_reachable for beta', () => ofEvent(ngo, 'reachwatch.partly_reachable', 'beta').length > 0 && ofEvent(ngo, 'reachwatch.partly_reachable', 'beta'));
    expect(await centerStatus('beta')).toBe('partial');
    expect((partial?.body as { data: { status: string } }).data.status).toBe('partial');
    await probedSince(Date.now(), 3);
    await outboxSettled();
    expect(await centerStatus('beta')).toBe('partial');
    expect(ofEvent(ngo, 'reachwatch.went_dark', 'beta')).toHaveLength(0);
    expect(ngo.received.length).toBe(before + 1);
    site.route('beta-old.example.kz/*', ok());
    await until('beta recovered', () => ofEvent(ngo, 'reachwatch.recovered', 'beta').length > 0);
  }, 30_000);
});

describe('a maintenance window', () => {
  test('holds alerts while probes go on, marks history, and the alert follows if the center is still dark when it ends', async () => {
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const unauthorized = await api('/api/v1/maintenance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ center: 'alpha', from: start, to: end, reason: 'Moving' }) });
    expect(unauthorized.status).toBe(401);
    const bad = await api<{ message: string }>('/api/v1/maintenance', {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ center: 'nope', from: start, to: end, reason: 'Moving' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/no center with id "nope"/);
    const created = await api<{ id: number }>('/api/v1/maintenance', {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ center: 'alpha', from: start, to: end, reason: 'Moving to a new building' }),
    });
    expect(created.status).toBe(201);

    const before = ngo.received.length;
    const mailsBefore = smtp.messages.length;
    site.route('alpha.example.kz/*', down());
    await until('alpha dark', async () => (await centerStatus('alpha')) === 'dark');
    await outboxSettled();
    expect(ngo.received.length).toBe(before);
    expect(smtp.messages.length).toBe(mailsBefore);
    const changes = await api<{ changes: { to: string; maintenanceId: number | null }[] }>('/api/v1/centers/alpha/status-changes?limit=1');
    expect(changes.body.changes[0]).toMatchObject({ to: 'dark', maintenanceId: created.body.id });
    const held = await api<{ alerts: { event: string; suppressedBy: string }[] }>('/api/v1/outbox?status=suppressed', { headers: auth });
    expect(held.body.alerts.some((a) => a.event === 'went_dark' && a.suppressedBy === `maintenance:${created.body.id}`)).toBe(true);

    // The window ends early with the center still dark: the held alert goes out, marked as such.
    expect((await api(`/api/v1/maintenance/${created.body.id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    const late = await until('the late went_dark', () => ofEvent(ngo, 'reachwatch.went_dark', 'alpha').find((w) => (w.body as { data: { after_maintenance?: boolean } }).data.after_maintenance));
    expect(late.verified).toBe(true);

    site.route('alpha.example.kz/*', ok());
    await until('alpha reachable', async () => (await centerStatus('alpha')) === 'reachable');
  }, 40_000);
});

describe('our canaries fail while every center looks down', () => {
  test('no center alert and no status change; one operator alert; and no burst when we recover', async () => {
    await until('both reachable', async () => (await centerStatus('alpha')) === 'reachable' && (await centerStatus('beta')) === 'reachable');
    // The previous test's "recovered" alerts must be delivered before the baseline is taken (a CI flake
    // once counted a late one as a burst).
    await outboxSettled();
    const ngoBefore = ngo.received.length;
    const mailBefore = smtp.messages.length;
    const tgBefore = telegram.messages.length;
    for (const h of ['alpha.example.kz', 'beta.example.kz', 'beta-old.example.kz', 'canary.test']) site.route(`${h}/*`, reset());

    const [degraded] = await until('the operator alert', () => ops.received.length > 0 && ops.received);
    expect((degraded?.body as { type: string; data: { degraded: boolean; reasons: { check: string }[] } }).data).toMatchObject({ degraded: true, reasons: [{ check: 'canaries' }] });
    const selfCheck = await api<{ degraded: boolean }>('/api/v1/self-check');
    expect(selfCheck.body.degraded).toBe(true);
    // More failed probes of every channel than a status change needs (2 confirmations).
    await probedSince(Date.now(), 3);
    expect(await centerStatus('alpha')).toBe('reachable');
    expect(await centerStatus('beta')).toBe('reachable');
    expect(ops.received).toHaveLength(1);

    for (const h of ['alpha.example.kz', 'beta.example.kz', 'beta-old.example.kz']) site.route(`${h}/*`, ok());
    site.route('canary.test/*', page('ok'));
    const recovered = await until('the operator recovery notice', () => ops.received[1]);
    expect((recovered.body as { data: { degraded: boolean; reasons: { check: string }[] } }).data).toMatchObject({ degraded: false, reasons: [{ check: 'canaries' }] });
    await probedSince(Date.now(), 2);
    await outboxSettled();
    expect(ngo.received.length).toBe(ngoBefore);
    expect(smtp.messages.length).toBe(mailBefore);
    expect(telegram.messages.length).toBe(tgBefore);
  }, 40_000);
});

describe('the API', () => {
  test('subscriptions: created with a secret shown once, listed without it, removed; bad input is a 400 naming the field', async () => {
    const noAuth = await api('/api/v1/subscriptions');
    expect(noAuth.status).toBe(401);
    // Subscriptions hold addresses and webhook secrets: they are the admin's, not the operator's.
    expect((await api('/api/v1/subscriptions', { headers: auth })).status).toBe(403);
    const admin = { authorization: `Bearer ${daemon.app.tokens.create({ name: 'test admin', role: 'admin', createdBy: 'test' }).secret}` };
    const bad = await api<{ message: string }>('/api/v1/subscriptions', {
      method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'x', channel: 'sms', to: '8701' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/body parameter "to"/);
    const created = await api<{ id: string; secret: string }>('/api/v1/subscriptions', {
      method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'new-hook', channel: 'webhook', url: ngo.url, regions: ['Astana'] }),
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const dup = await api('/api/v1/subscriptions', { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'new-hook', channel: 'email', to: 'a@b.kz' }) });
    expect(dup.status).toBe(409);
    const list = await api<{ subscriptions: { id: string; target: Record<string, unknown> }[] }>('/api/v1/subscriptions', { headers: admin });
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect(list.body.subscriptions.map((s) => s.id)).toContain('new-hook');
    expect(list.body.subscriptions.find((s) => s.id === 'new-hook')).toMatchObject({ created_by: 'test admin' });
    expect((await api('/api/v1/subscriptions/ngo-all', { method: 'DELETE', headers: admin })).status).toBe(409);
    expect((await api('/api/v1/subscriptions/new-hook', { method: 'DELETE', headers: admin })).status).toBe(204);
    const summary = await api<{ sent: number; failed: number; pending: number }>('/api/v1/outbox/summary');
    // The broken receiver refused both went_dark alerts for alpha (the second after the maintenance window).
    expect(summary.body.failed).toBe(2);
    expect(summary.body.sent).toBeGreaterThan(5);
  });
});
