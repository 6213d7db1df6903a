// The alert receivers as a sender sees them: the SMTP server through nodemailer (the package the
// email channel uses), the Telegram Bot API and the webhook receiver over plain HTTP.

import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMail, startSmtpServer, type SmtpServerOptions } from '../receivers/smtp.ts';
import { startTelegramApi } from '../receivers/telegram.ts';
import { startWebhookReceiver } from '../receivers/webhook-receiver.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

describe('startSmtpServer', () => {
  async function smtp(opts: SmtpServerOptions = {}) {
    const server = await startSmtpServer(opts);
    cleanups.push(() => server.close());
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.port, secure: false, ignoreTLS: true, ...(opts.auth ? { auth: opts.auth } : {}) });
    cleanups.push(async () => transport.close());
    return { server, transport };
  }

  it('keeps each message with its envelope, decoded subject and text body', async () => {
    const { server, transport } = await smtp();
    await transport.sendMail({ from: 'watch@example.org', to: ['ngo@example.kz', 'ops@example.kz'], subject: 'Центр недоступен', text: 'Телефон не отвечает.\r\nВторая строка.\r\n' });
    await server.waitFor(1);
    expect(server.messages).toHaveLength(1);
    const mail = server.messages[0];
    expect(mail).toMatchObject({ from: 'watch@example.org', to: ['ngo@example.kz', 'ops@example.kz'], subject: 'Центр недоступен', text: 'Телефон не отвечает.\nВторая строка.' });
    expect(mail?.messageId).toMatch(/^<.+>$/);
    expect(server.attempts).toBe(1);
  });

  it('refuses recipients, fails the first messages and checks credentials as asked', async () => {
    const { server, transport } = await smtp({ rejectRecipients: (a) => a.startsWith('gone@'), failFirst: 1, auth: { user: 'u', pass: 'p' } });
    await expect(transport.sendMail({ from: 'a@example.org', to: 'gone@example.kz', subject: 's', text: 't' })).rejects.toMatchObject({ responseCode: 550 });
    await expect(transport.sendMail({ from: 'a@example.org', to: 'ngo@example.kz', subject: 's', text: 't' })).rejects.toMatchObject({ responseCode: 451 });
    await transport.sendMail({ from: 'a@example.org', to: 'ngo@example.kz', subject: 'second try', text: 't' });
    expect(server.messages.map((m) => m.subject)).toEqual(['second try']);
    expect(server.attempts).toBe(2);

    const wrong = nodemailer.createTransport({ host: '127.0.0.1', port: server.port, secure: false, ignoreTLS: true, auth: { user: 'u', pass: 'wrong' } });
    cleanups.push(async () => wrong.close());
    await expect(wrong.sendMail({ from: 'a@example.org', to: 'ngo@example.kz', subject: 's', text: 't' })).rejects.toMatchObject({ responseCode: 535 });
  });

  it('parseMail decodes encoded words and quoted-printable or base64 bodies in their charset', () => {
    const raw = [
      'Subject: =?UTF-8?B?0KbQtdC90YLRgA==?= ok',
      'Message-ID: <1@example.org>',
      'Content-Type: multipart/alternative; boundary="b"',
      '',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>html</p>',
      '--b',
      'Content-Type: text/plain; charset=windows-1251',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '=D6=E5=ED=F2=F0 soft=',
      'break',
      '--b--',
      '',
    ].join('\r\n');
    const mail = parseMail(raw, 'a@example.org', ['b@example.kz']);
    expect(mail).toMatchObject({ subject: 'Центр ok', text: 'Центр softbreak', messageId: '<1@example.org>' });
  });
});

describe('startTelegramApi', () => {
  async function send(url: string, token: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${url}/bot${token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('answers sendMessage as the Bot API does, faults included', async () => {
    const tg = await startTelegramApi({ token: '123:ABC' });
    cleanups.push(() => tg.close());
    const ok = await send(tg.url, '123:ABC', { chat_id: 42, text: '<b>down</b>', parse_mode: 'HTML' });
    expect(ok).toMatchObject({ status: 200, json: { ok: true, result: { message_id: 1, text: '<b>down</b>' } } });
    expect(tg.messages).toMatchObject([{ chatId: '42', text: '<b>down</b>', parseMode: 'HTML' }]);

    expect(await send(tg.url, '123:WRONG', { chat_id: 42, text: 'x' })).toMatchObject({ status: 401, json: { ok: false, error_code: 401 } });
    tg.rateLimitNext(3, 2);
    for (let i = 0; i < 2; i++) expect(await send(tg.url, '123:ABC', { chat_id: 42, text: 'x' })).toMatchObject({ status: 429, json: { parameters: { retry_after: 3 } } });
    tg.blockChat('7');
    tg.unknownChat('8');
    tg.migrateChat('9', -1009);
    expect((await send(tg.url, '123:ABC', { chat_id: 7, text: 'x' })).status).toBe(403);
    expect(await send(tg.url, '123:ABC', { chat_id: 8, text: 'x' })).toMatchObject({ status: 400, json: { description: 'Bad Request: chat not found' } });
    expect(await send(tg.url, '123:ABC', { chat_id: 9, text: 'x' })).toMatchObject({ status: 400, json: { parameters: { migrate_to_chat_id: -1009 } } });
    expect(await send(tg.url, '123:ABC', { chat_id: 42, text: ' ' })).toMatchObject({ status: 400 });
    expect(tg.messages).toHaveLength(1);
    expect(tg.requests).toBe(8);
  });
});

describe('startWebhookReceiver', () => {
  it('keeps every delivery, checks Standard Webhooks signatures and answers as scripted', async () => {
    const secret = 'whsec_' + Buffer.from('a secret of thirty-two bytes!!!!').toString('base64');
    const rx = await startWebhookReceiver({ secret });
    cleanups.push(() => rx.close());
    rx.respondWith((n) => (n === 1 ? { status: 503, headers: { 'retry-after': '7' } } : { status: 204 }));
    const signer = new Webhook(secret);
    const deliver = async (id: string, payload: string, signature?: string) => {
      const at = new Date();
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature ?? signer.sign(id, at, payload),
      };
      return fetch(rx.url, { method: 'POST', headers, body: payload });
    };
    const first = await deliver('msg_1', '{"event":"down"}');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await deliver('msg_1', '{"event":"down"}')).status).toBe(204);
    expect((await deliver('msg_2', '{"event":"up"}', 'v1,forged')).status).toBe(204);
    await rx.waitFor(3);
    expect(rx.received.map((r) => [r.id, r.verified, r.body])).toEqual([
      ['msg_1', true, { event: 'down' }],
      ['msg_1', true, { event: 'down' }],
      ['msg_2', false, { event: 'up' }],
    ]);
    expect(rx.uniqueIds()).toEqual(['msg_1', 'msg_2']);

    rx.respondWith(() => 'reset');
    await expect(deliver('msg_3', '{}')).rejects.toThrow();
  });
});
