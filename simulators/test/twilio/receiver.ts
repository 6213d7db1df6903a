// A stand-in for reachwatch's webhook side, for the fake's own tests: a node:http server that
// checks every request with the real twilio.validateRequest (403 when it fails), records it, and
// serves a small confirmation IVR:
//   /ivr/{id}                 Gather menu (1 this center, 2 wrong number, 3 closed, 4 moved, 9 opt out)
//   /ivr/{id}?step=answer     reacts to Digits / SpeechResult / nothing; 4 asks for a recording
//   /ivr/{id}?step=recorded   thanks and hangs up
//   /status/{id}, /amd/{id}, /recording/{id}, /sms/{id}   204
// URLs are validated as PUBLIC_BASE + req.url, the way docs/telephony.md §5.1 recommends.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export interface ReceivedWebhook {
  route: string;
  probeId: string;
  step: string | null;
  method: string;
  url: string;
  params: Record<string, string>;
  signatureValid: boolean;
  idempotencyToken: string | undefined;
  at: number;
}

export interface Receiver {
  readonly baseUrl: string;
  readonly received: readonly ReceivedWebhook[];
  /** Webhooks for one probe and route, in arrival order. */
  of(route: string, probeId: string): ReceivedWebhook[];
  /** Answer every request with this status instead (e.g. 500), or null to behave. */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

export async function startReceiver(authToken: () => string): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  let forcedStatus: number | null = null;
  let baseUrl = '';
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const hook = inspect(req, body, baseUrl, authToken());
      received.push(hook);
      if (!hook.signatureValid) return reply(res, 403, 'text/plain', 'invalid signature');
      if (forcedStatus !== null) return reply(res, forcedStatus, 'text/plain', 'forced failure');
      if (hook.route !== 'ivr') return reply(res, 204, 'text/plain', '');
      return reply(res, 200, 'text/xml', ivr(baseUrl, hook));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    received,
    of: (route, probeId) => received.filter((h) => h.route === route && h.probeId === probeId),
    failWith: (status) => void (forcedStatus = status),
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

function inspect(req: IncomingMessage, body: string, baseUrl: string, token: string): ReceivedWebhook {
  const url = baseUrl + (req.url ?? '/');
  const parsed = new URL(url);
  const [, route = '', probeId = ''] = parsed.pathname.split('/');
  // Twilio signs GET requests over the URL alone, POSTs over the URL plus the sorted body fields.
  const params = req.method === 'GET' ? Object.fromEntries(parsed.searchParams) : Object.fromEntries(new URLSearchParams(body));
  const signature = req.headers['x-twilio-signature'];
  const signatureValid =
    typeof signature === 'string' && twilio.validateRequest(token, signature, url, req.method === 'GET' ? {} : params);
  const idempotency = req.headers['i-twilio-idempotency-token'];
  return {
    route,
    probeId,
    step: parsed.searchParams.get('step'),
    method: req.method ?? '',
    url,
    params,
    signatureValid,
    idempotencyToken: typeof idempotency === 'string' ? idempotency : undefined,
    at: Date.now(),
  };
}

const MENU =
  'Здравствуйте. Это автоматическая проверка справочника центров помощи. Если это центр, нажмите 1. ' +
  'Если это другой номер, нажмите 2. Если центр закрыт, нажмите 3. Если центр переехал, нажмите 4.';

function ivr(baseUrl: string, hook: ReceivedWebhook): string {
  const here = `${baseUrl}/ivr/${hook.probeId}`;
  if (hook.step === null) {
    return twiml(
      `<Gather input="dtmf speech" numDigits="1" timeout="6" language="ru-RU" method="POST" actionOnEmptyResult="true" ` +
        `action="${here}?step=answer&amp;lang=ru"><Say language="ru-RU">${MENU}</Say></Gather>`,
    );
  }
  if (hook.step === 'answer' && hook.params.Digits === '4') {
    return twiml(
      `<Say language="ru-RU">Назовите новый номер после сигнала.</Say>` +
        `<Record maxLength="30" timeout="5" action="${here}?step=recorded" recordingStatusCallback="${baseUrl}/recording/${hook.probeId}"/>`,
    );
  }
  return twiml('<Say language="ru-RU">Спасибо. До свидания.</Say><Hangup/>');
}

function twiml(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
