// Every alert channel against a real receiver on 127.0.0.1: a Standard Webhooks endpoint, an SMTP
// server, the fake Twilio driven through the real twilio package, and a Bot API stand-in. Each
// failure is checked for what the dispatcher reads from it: permanent or not, and how long to wait.

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, type AlertMessage, type AlertSender, type DeliveryTarget } from '../../src/alerts/channel.ts';
import { createEmailSender, type EmailSenderOptions } from '../../src/alerts/channels/email.ts';
import { createSmsSender } from '../../src/alerts/channels/sms.ts';
import { createTelegramSender } from '../../src/alerts/channels/telegram.ts';
import { createWebhookSender, generateWebhookSecret, isPrivateAddress } from '../../src/alerts/channels/webhook.ts';
import { createTwilioClient } from '../../src/probers/phone/twilio-client.ts';
import type { TwilioSettings } from '../../src/probers/phone/settings.ts';
import { startSmtpServer, type SmtpTestServer } from '../../simulators/receivers/smtp.ts';
import { startTelegramApi, type TelegramApi } from '../../simulators/receivers/telegram.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../simulators/receivers/webhook-receiver.ts';
import { refusedPort, startSilentServer } from '../../simulators/sites.ts';
import { startFakeTwilio, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const CREATED_AT = Date.parse('2025-03-01T10:00:00.000Z');
const never = new AbortController().signal;

function alert(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    id: 'out_' + randomUUID(),
    event: 'went_dark',
    createdAt: CREATED_AT,
    subject: 'Центр «Надежда» недоступен',
    text: 'Телефон +7 716 278 01 93 не отвечает с 10:00.\nПроверено 3 раза, последний звонок — «занято».',
    short: 'Надежда: телефон не отвечает с 10:00',
    html: '<b>Надежда</b>: телефон не отвечает с 10:00 &amp; сайт недоступен',
    data: { center: 'nadezhda', channel: 'phone', status: 'dark' },
    ...overrides,
  };
}

/** The DeliveryError a send rejected with (fails the test if it resolved or threw something else). */
async function failure(sending: Promise<unknown>): Promise<DeliveryError> {
  const outcome = await sending.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  if (outcome.ok) throw new Error(`expected a DeliveryError, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.err).toBeInstanceOf(DeliveryError);
  return outcome.err as DeliveryError;
}

// ---- webhook ---------------------------------------------------------------------------------------

describe('webhook sender', () => {
  const secret = generateWebhookSecret();
  let rx: WebhookReceiver;
  let sender: AlertSender;
  const target = (): DeliveryTarget => ({ kind: 'webhook', url: rx.url, secret });

  beforeEach(async () => {
    rx = await startWebhookReceiver({ secret });
    // Generous: on a busy machine a loopback answer can take over a second; the tests of the timeout
    // itself make their own quick sender.
    sender = createWebhookSender({ timeoutMs: 10_000, userAgent: 'reachwatch-test/1', allowPrivate: true });
  });
  afterEach(async () => {
    await sender.close?.();
    await rx.close();
  });

  it('delivers a Standard Webhooks message the receiver can verify, keyed by the outbox id', async () => {
    const message = alert();
    const before = Math.floor(Date.now() / 1000);
    const delivered = await sender.send(message, target(), never);
    const after = Math.ceil(Date.now() / 1000);
    expect(delivered.detail).toBe('HTTP 204');
    expect(rx.received).toHaveLength(1);
    const got = rx.received[0];
    expect(got?.verified).toBe(true);
    expect(got?.id).toBe(message.id);
    // Signed when sent: between the call and its return, however long the machine took.
    expect(Number(got?.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(got?.timestamp)).toBeLessThanOrEqual(after);
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['user-agent']).toBe('reachwatch-test/1');
    expect(got?.body).toEqual({ type: 'reachwatch.went_dark', timestamp: '2025-03-01T10:00:00.000Z', data: message.data });
  });

  it('keeps the webhook-id across retries, so the receiver can drop the duplicate', async () => {
    rx.respondWith((n) => ({ status: n === 1 ? 503 : 200 }));
    const message = alert();
    await failure(sender.send(message, target(), never));
    await expect(sender.send(message, target(), never)).resolves.toEqual({ detail: 'HTTP 200' });
    expect(rx.received).toHaveLength(2);
    expect(rx.uniqueIds()).toEqual([message.id]);
    expect(rx.received.every((r) => r.verified)).toBe(true);
  });

  it('signs with the secret: a receiver holding another secret cannot verify', async () => {
    const other = await startWebhookReceiver({ secret: generateWebhookSecret() });
    try {
      await sender.send(alert(), { kind: 'webhook', url: other.url, secret }, never);
      expect(other.received[0]?.verified).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('treats 500 as transient', async () => {
    rx.respondWith(() => ({ status: 500 }));
    const err = await failure(sender.send(alert(), target(), never));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('HTTP 500');
    expect(err.retryAfterMs).toBeNull();
    // The receiver answered: it did not take it.
    expect(err.outcome).toBe('failed');
  });

  it("treats a gateway's 504 as unknown: the receiver behind it may have the message", async () => {
    rx.respondWith(() => ({ status: 504 }));
    const err = await failure(sender.send(alert(), target(), never));
    expect(err.permanent).toBe(false);
    expect(err.outcome).toBe('unknown');
  });

  it('treats a connection reset after the request arrived as transient, its result unknown', async () => {
    rx.respondWith(() => 'reset');
    const err = await failure(sender.send(alert(), target(), never));
    await rx.waitFor(1);
    expect(err.permanent).toBe(false);
    expect(err.outcome).toBe('unknown');
  });

  it.each([400, 401, 404, 410, 413, 422])('treats %i as permanent', async (status) => {
    rx.respondWith(() => ({ status }));
    const err = await failure(sender.send(alert(), target(), never));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it.each([408, 409, 425])('treats %i as transient', async (status) => {
    rx.respondWith(() => ({ status }));
    expect((await failure(sender.send(alert(), target(), never))).permanent).toBe(false);
  });

  it('honours Retry-After in seconds on 429', async () => {
    rx.respondWith(() => ({ status: 429, headers: { 'retry-after': '7' } }));
    const err = await failure(sender.send(alert(), target(), never));
    expect(err.permanent).toBe(false);
    expect(err.retryAfterMs).toBe(7000);
  });

  it('honours Retry-After as an HTTP-date on 503, and caps it at a day', async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    rx.respondWith((n) => ({ status: 503, headers: { 'retry-after': n === 1 ? inAMinute : '999999' } }));
    const first = await failure(sender.send(alert(), target(), never));
    expect(first.retryAfterMs).toBeGreaterThan(55_000);
    expect(first.retryAfterMs).toBeLessThanOrEqual(60_000);
    const second = await failure(sender.send(alert(), target(), never));
    expect(second.retryAfterMs).toBe(86_400_000);
  });

  it('does not follow a redirect (transient, the receiver must be re-registered)', async () => {
    rx.respondWith(() => ({ status: 302, headers: { location: rx.url + '/moved' } }));
    const err = await failure(sender.send(alert(), target(), never));
    expect(err.permanent).toBe(false);
    expect(err.message).toMatch(/HTTP 302: redirect to .*\/moved not followed/);
    expect(rx.received).toHaveLength(1);
  });

  it('refuses loopback receivers when allowPrivate is off, by IP literal and by name', async () => {
    const guarded = createWebhookSender({ timeoutMs: 1000, userAgent: 'reachwatch-test/1', allowPrivate: false });
    try {
      const byIp = await failure(guarded.send(alert(), target(), never));
      expect(byIp.permanent).toBe(true);
      expect(byIp.message).toContain('127.0.0.1');
      const byName = await failure(guarded.send(alert(), { kind: 'webhook', url: rx.url.replace('127.0.0.1', 'localhost'), secret }, never));
      expect(byName.permanent).toBe(true);
      expect(byName.message).toMatch(/private address (127\.0\.0\.1|::1)/);
      expect(rx.received).toHaveLength(0);
    } finally {
      await guarded.close?.();
    }
  });

  it('knows which addresses are private', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd12::1', 'fe80::1', '::ffff:127.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '95.56.1.1', '172.32.0.1', '100.128.0.1', '2a00:1450:4001::1']) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });

  it('gives up on a receiver that does not answer in time (transient)', async () => {
    const quick = createWebhookSender({ timeoutMs: 300, userAgent: 'reachwatch-test/1', allowPrivate: true });
    rx.respondWith(() => 'hang');
    try {
      // The receiver never answers: only the sender's own timeout can end this send (its message
      // says so); a stopwatch bound would only measure the machine's load.
      const err = await failure(quick.send(alert(), target(), never));
      expect(err.permanent).toBe(false);
      expect(err.message).toContain('300 ms');
      // The receiver has it; only its answer is missing.
      await rx.waitFor(1);
      expect(err.outcome).toBe('unknown');
    } finally {
      await quick.close?.();
    }
  });

  it('stops when the caller aborts (transient)', async () => {
    rx.respondWith(() => 'hang');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const err = await failure(sender.send(alert(), target(), stop.signal));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('aborted');
    expect(err.outcome).toBe('unknown');
  });

  it('treats a refused connection as transient', async () => {
    const port = await refusedPort();
    const err = await failure(sender.send(alert(), { kind: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret }, never));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('ECONNREFUSED');
    // Nothing left: the receiver certainly does not have it.
    expect(err.outcome).toBe('failed');
  });

  it('rejects a malformed secret permanently without echoing it', async () => {
    const bad = 'whsec_not*base64!secret-material';
    const err = await failure(sender.send(alert(), { kind: 'webhook', url: rx.url, secret: bad }, never));
    expect(err.permanent).toBe(true);
    expect(err.message).not.toContain('secret-material');
    expect(rx.received).toHaveLength(0);
  });

  it('generates whsec_ secrets of at least 24 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});

// ---- email -----------------------------------------------------------------------------------------

describe('email sender', () => {
  let smtp: SmtpTestServer;
  const senders: AlertSender[] = [];
  const emailSender = (port: number, overrides: Partial<EmailSenderOptions> = {}): AlertSender => {
    const s = createEmailSender({
      host: '127.0.0.1',
      port,
      secure: false,
      user: null,
      password: null,
      from: 'Reachwatch <alerts@reachwatch.example.kz>',
      requireTls: false,
      tlsRejectUnauthorized: true,
      timeoutMs: 2000,
      ...overrides,
    });
    senders.push(s);
    return s;
  };

  beforeEach(async () => {
    smtp = await startSmtpServer({ rejectRecipients: (a) => a.startsWith('gone@') });
  });
  afterEach(async () => {
    for (const s of senders.splice(0)) await s.close?.();
    await smtp.close();
  });

  it('delivers Cyrillic subject and body intact, with a Message-ID made from the outbox id', async () => {
    const message = alert({ subject: 'Центр «Надежда» недоступен уже три часа: телефон и сайт не отвечают, проверено трижды' });
    const delivered = await emailSender(smtp.port).send(message, { kind: 'email', to: ['ops@example.kz'] }, never);
    expect(delivered.detail).toMatch(/^250 /);
    await smtp.waitFor(1);
    const mail = smtp.messages[0];
    expect(mail?.subject).toBe(message.subject);
    expect(mail?.text).toBe(message.text);
    expect(mail?.messageId).toBe(`<${message.id}@reachwatch>`);
    expect(mail?.headers['x-reachwatch-alert-id']).toBe(message.id);
    expect(mail?.from).toBe('alerts@reachwatch.example.kz');
    expect(mail?.to).toEqual(['ops@example.kz']);
  });

  it('treats a rejected recipient (550) as permanent', async () => {
    const err = await failure(emailSender(smtp.port).send(alert(), { kind: 'email', to: ['gone@example.kz'] }, never));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('550');
    expect(smtp.messages).toHaveLength(0);
  });

  it('delivers to the recipients that were accepted and says which were not', async () => {
    const delivered = await emailSender(smtp.port).send(alert(), { kind: 'email', to: ['ops@example.kz', 'gone@example.kz'] }, never);
    expect(delivered.detail).toContain('gone@example.kz');
    await smtp.waitFor(1);
    expect(smtp.messages[0]?.to).toEqual(['ops@example.kz']);
  });

  it('treats 451 as transient; the resend carries the same Message-ID', async () => {
    const flaky = await startSmtpServer({ failFirst: 1 });
    try {
      const sender = emailSender(flaky.port);
      const message = alert();
      const err = await failure(sender.send(message, { kind: 'email', to: ['ops@example.kz'] }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).toContain('451');
      await sender.send(message, { kind: 'email', to: ['ops@example.kz'] }, never);
      await flaky.waitFor(1);
      expect(flaky.attempts).toBe(2);
      expect(flaky.messages[0]?.messageId).toBe(`<${message.id}@reachwatch>`);
    } finally {
      await flaky.close();
    }
  });

  it('treats a server that is down as transient', async () => {
    const port = await refusedPort();
    const err = await failure(emailSender(port).send(alert(), { kind: 'email', to: ['ops@example.kz'] }, never));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.outcome).toBe('failed');
  });

  it('treats a server that never greets as transient', async () => {
    const silent = await startSilentServer();
    try {
      const err = await failure(emailSender(silent.port, { timeoutMs: 300 }).send(alert(), { kind: 'email', to: ['ops@example.kz'] }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).toMatch(/ETIMEDOUT|timeout/i);
      expect(err.outcome).toBe('failed');
    } finally {
      await silent.close();
    }
  });

  it('treats a timeout before the content was sent (a stalled RCPT TO) as certainly not delivered', async () => {
    const stalling = await startSmtpServer({ stall: 'rcpt' });
    try {
      const err = await failure(emailSender(stalling.port, { timeoutMs: 300 }).send(alert(), { kind: 'email', to: ['ops@example.kz'] }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).toMatch(/ETIMEDOUT|timeout/i);
      expect(err.outcome).toBe('failed');
    } finally {
      await stalling.close();
    }
  });

  it('treats a timeout after the content was sent (no reply to the final dot) as unknown: the server may have it', async () => {
    const stalling = await startSmtpServer({ stall: 'data' });
    try {
      const message = alert();
      const err = await failure(emailSender(stalling.port, { timeoutMs: 1000 }).send(message, { kind: 'email', to: ['ops@example.kz'] }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).toMatch(/ETIMEDOUT|timeout/i);
      expect(stalling.stalled.map((m) => m.messageId)).toEqual([`<${message.id}@reachwatch>`]);
      expect(err.outcome).toBe('unknown');
    } finally {
      await stalling.close();
    }
  });

  it('treats rejected credentials as transient (ours, not the address) and does not leak the password', async () => {
    const authed = await startSmtpServer({ auth: { user: 'reachwatch', pass: 'right-password' } });
    try {
      const err = await failure(
        emailSender(authed.port, { user: 'reachwatch', password: 'wrong-password' }).send(alert(), { kind: 'email', to: ['ops@example.kz'] }, never),
      );
      expect(err.permanent).toBe(false);
      expect(err.message).toContain('535');
      expect(err.message).not.toContain('wrong-password');
      await emailSender(authed.port, { user: 'reachwatch', password: 'right-password' }).send(alert(), { kind: 'email', to: ['ops@example.kz'] }, never);
      await authed.waitFor(1);
    } finally {
      await authed.close();
    }
  });
});

// ---- SMS -------------------------------------------------------------------------------------------

describe('SMS sender (fake Twilio through the real twilio package)', () => {
  const ACCOUNT = 'AC' + 'fedcba9876543210'.repeat(2);
  const TOKEN = '5e'.repeat(16);
  const FROM = '+15005550006';
  const TO = '+77012345678';
  let fake: FakeTwilio;
  let sender: AlertSender;
  const settings = (baseUrl: string, authToken = TOKEN): TwilioSettings => ({
    accountSid: ACCOUNT,
    authToken,
    from: FROM,
    publicUrl: 'http://127.0.0.1:9',
    baseUrl,
    requestTimeoutMs: 15_000,
  });

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 0.01 });
    sender = createSmsSender({ client: createTwilioClient(settings(fake.baseUrl)), from: FROM });
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.clearFailures();
    expect(fake.internalErrors).toEqual([]);
  });

  it('delivers: the message is created with the short text, and the sid is the detail', async () => {
    const message = alert();
    const delivered = await sender.send(message, { kind: 'sms', to: TO }, never);
    const sid = /^(SM[0-9a-f]{32}) queued$/.exec(delivered.detail)?.[1];
    expect(sid).toBeDefined();
    const stored = fake.messages.get(sid ?? '');
    expect(stored?.body).toBe(message.short);
    expect(stored?.to).toBe(TO);
    expect(stored?.from).toBe(FROM);
    await fake.waitForMessage(sid ?? '', 'delivered');
  });

  it.each([21211, 21614, 21610, 21408, 21612])('treats Twilio %i as permanent', async (code) => {
    const to = `+7701${String(code).padStart(7, '0')}`;
    fake.scriptSms(to, { reject: { code } });
    const err = await failure(sender.send(alert(), { kind: 'sms', to }, never));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain(String(code));
  });

  it('treats an invalid number the fake itself refuses (21211) as permanent', async () => {
    const err = await failure(sender.send(alert(), { kind: 'sms', to: 'not-a-number' }, never));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('21211');
  });

  it.each([
    { status: 429, code: 20429 },
    { status: 500, code: 20500 },
    { status: 503, code: 20503 },
  ])('treats HTTP $status ($code) as transient', async ({ status }) => {
    fake.failNext({ operation: 'messages.create', to: TO, status });
    const err = await failure(sender.send(alert(), { kind: 'sms', to: TO }, never));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain(String(status));
    expect(err.outcome).toBe('failed');
  });

  it('treats an HTML 502 from a proxy as transient', async () => {
    fake.failNext({ operation: 'messages.create', status: 502, rawBody: '<html><body>Bad Gateway</body></html>' });
    const err = await failure(sender.send(alert(), { kind: 'sms', to: TO }, never));
    expect(err.permanent).toBe(false);
  });

  it('treats rejected credentials (401/20003) as transient: the number is not at fault', async () => {
    const wrong = createSmsSender({ client: createTwilioClient(settings(fake.baseUrl, 'ab'.repeat(16))), from: FROM });
    const err = await failure(wrong.send(alert(), { kind: 'sms', to: TO }, never));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('20003');
  });

  it('treats an unreachable Twilio as transient', async () => {
    const port = await refusedPort();
    const offline = createSmsSender({ client: createTwilioClient(settings(`http://127.0.0.1:${port}`)), from: FROM });
    const err = await failure(offline.send(alert(), { kind: 'sms', to: TO }, never));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.outcome).toBe('failed');
  });

  it('treats a Twilio that takes the request and does not answer in time as unknown: it may send the SMS', async () => {
    fake.failNext({ operation: 'messages.create', to: TO, hang: true });
    const slow = createSmsSender({ client: createTwilioClient({ ...settings(fake.baseUrl), requestTimeoutMs: 300 }), from: FROM });
    const err = await failure(slow.send(alert(), { kind: 'sms', to: TO }, never));
    expect(fake.requests.some((r) => r.operation === 'messages.create' && r.status === null)).toBe(true);
    expect(err.permanent).toBe(false);
    expect(err.outcome).toBe('unknown');
  });

  it('treats our own deadline while Twilio holds the request as unknown', async () => {
    fake.failNext({ operation: 'messages.create', to: TO, hang: true });
    const err = await failure(sender.send(alert(), { kind: 'sms', to: TO }, AbortSignal.timeout(300)));
    expect(err.message).toContain('aborted');
    expect(err.outcome).toBe('unknown');
  });
});

// ---- Telegram ----------------------------------------------------------------------------------------

describe('Telegram sender', () => {
  const TOKEN = '7712345678:AAFq-SecretBotToken_xyz';
  const CHAT = '123456789';
  let tg: TelegramApi;
  let sender: AlertSender;

  beforeEach(async () => {
    tg = await startTelegramApi({ token: TOKEN });
    sender = createTelegramSender({ apiUrl: tg.url, token: TOKEN, timeoutMs: 10_000 });
  });
  afterEach(async () => {
    await sender.close?.();
    await tg.close();
  });

  it('delivers the HTML text with previews off', async () => {
    const message = alert();
    const delivered = await sender.send(message, { kind: 'telegram', chatId: CHAT }, never);
    expect(delivered.detail).toBe('message 1');
    expect(tg.messages).toHaveLength(1);
    expect(tg.messages[0]).toMatchObject({ chatId: CHAT, text: message.html, parseMode: 'HTML', linkPreview: { is_disabled: true } });
  });

  it('treats 429 as transient and waits retry_after seconds', async () => {
    tg.rateLimitNext(3);
    const err = await failure(sender.send(alert(), { kind: 'telegram', chatId: CHAT }, never));
    expect(err.permanent).toBe(false);
    expect(err.retryAfterMs).toBe(3000);
    expect(err.message).toContain('429');
    await sender.send(alert(), { kind: 'telegram', chatId: CHAT }, never);
    expect(tg.messages).toHaveLength(1);
  });

  it('treats a chat that blocked the bot (403) as permanent', async () => {
    tg.blockChat(CHAT);
    const err = await failure(sender.send(alert(), { kind: 'telegram', chatId: CHAT }, never));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('bot was blocked by the user');
  });

  it('treats an unknown chat (400) as permanent', async () => {
    tg.unknownChat('-100200300');
    const err = await failure(sender.send(alert(), { kind: 'telegram', chatId: '-100200300' }, never));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('chat not found');
  });

  it('says where a migrated group went, permanently', async () => {
    tg.migrateChat('-4001', -1002003004005);
    const err = await failure(sender.send(alert(), { kind: 'telegram', chatId: '-4001' }, never));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('-1002003004005');
  });

  it('treats a wrong token (401) as transient and never shows the token', async () => {
    const wrongToken = '7712345678:AAWrong-Token_abc';
    const wrong = createTelegramSender({ apiUrl: tg.url, token: wrongToken, timeoutMs: 10_000 });
    try {
      const err = await failure(wrong.send(alert(), { kind: 'telegram', chatId: CHAT }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).toContain('401');
      expect(err.message).not.toContain(wrongToken);
      expect(err.message).not.toContain('AAWrong');
    } finally {
      await wrong.close?.();
    }
  });

  it('scrubs the token from a proxy error page that echoes the path', async () => {
    const proxy = await startEchoingProxy();
    const viaProxy = createTelegramSender({ apiUrl: proxy.url, token: TOKEN, timeoutMs: 10_000 });
    try {
      const err = await failure(viaProxy.send(alert(), { kind: 'telegram', chatId: CHAT }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).toContain('Cannot POST /bot<token>/sendMessage');
      expect(err.message).not.toContain('SecretBotToken');
    } finally {
      await viaProxy.close?.();
      await proxy.close();
    }
  });

  it('treats an API that does not answer in time as transient', async () => {
    const silent = await startWebhookReceiver();
    silent.respondWith(() => 'hang');
    const slow = createTelegramSender({ apiUrl: new URL(silent.url).origin, token: TOKEN, timeoutMs: 300 });
    try {
      const err = await failure(slow.send(alert(), { kind: 'telegram', chatId: CHAT }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).toContain('300 ms');
      // Telegram has the request and may have sent the message.
      await silent.waitFor(1);
      expect(err.outcome).toBe('unknown');
    } finally {
      await slow.close?.();
      await silent.close();
    }
  });

  it('treats an unreachable API as transient', async () => {
    const port = await refusedPort();
    const offline = createTelegramSender({ apiUrl: `http://127.0.0.1:${port}`, token: TOKEN, timeoutMs: 1000 });
    try {
      const err = await failure(offline.send(alert(), { kind: 'telegram', chatId: CHAT }, never));
      expect(err.permanent).toBe(false);
      expect(err.message).not.toContain('SecretBotToken');
      expect(err.outcome).toBe('failed');
    } finally {
      await offline.close?.();
    }
  });
});

/** A 502 page that repeats the request path, as some proxies' error pages do. */
async function startEchoingProxy(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Cannot ${req.method ?? 'GET'} ${req.url ?? '/'}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
