// The TwiML reader on its own, and the conversation engine against a scripted TwiML server:
// relative URLs, Redirect, GET actions, FallbackUrl, broken documents, loops, unsupported verbs.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTwiml, parseXml, TwimlParseError } from '../../twilio/twiml.ts';
import { FROM, useHarness } from './harness.ts';

describe('parseXml / parseTwiml', () => {
  it('reads declarations, comments, CDATA, entities and both quote styles', () => {
    const root = parseXml(
      `\uFEFF<?xml version="1.0"?>\n<!-- probe --><Response>\n  <Say voice='Polly.Tatyana' language="ru-RU">Центр &laquo;x&raquo;`.replace('&laquo;', '&#171;').replace('&raquo;', '&#xBB;') +
        ` &amp; <![CDATA[<b>]]></Say><Pause length="2"/><!-- end --></Response>`,
    );
    expect(root.name).toBe('Response');
    const [say, pause] = root.children.filter((c) => typeof c !== 'string');
    expect(say).toMatchObject({ name: 'Say', attrs: { voice: 'Polly.Tatyana', language: 'ru-RU' }, children: ['Центр «x» & ', '<b>'] });
    expect(pause).toEqual({ name: 'Pause', attrs: { length: '2' }, children: [] });
  });

  it('decodes entities in attributes (action URLs with &amp;)', () => {
    const [gather] = parseTwiml('<Response><Gather action="/ivr?a=1&amp;b=2" numDigits="1"/></Response>');
    expect(gather?.attrs.action).toBe('/ivr?a=1&b=2');
  });

  it.each([
    ['<Response><Say>hi</Response>', /does not close/],
    ['<Response><Say>hi</Say>', /never closed/],
    ['<Say>hi</Say>', /not <Response>/],
    ['<Response>&nbsp;</Response>', /unknown entity/],
    ['<Response/><Response/>', /after the root/],
    ['', /expected an element/],
  ])('rejects %j', (source, message) => {
    expect(() => parseTwiml(source)).toThrow(TwimlParseError);
    expect(() => parseTwiml(source)).toThrow(message);
  });
});

// ---- conversations against a TwiML server the test controls ----------------------------------

type Handler = (params: Record<string, string>, url: URL) => { status?: number; body: string };

const harness = useHarness();
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Serves TwiML per path and rejects (403) any request whose signature does not validate. */
async function twimlServer(routes: Record<string, Handler>): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(base + (req.url ?? '/'));
      const params = req.method === 'GET' ? {} : Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      if (!twilio.validateRequest(harness().fake.authToken, signature, url.href, params)) {
        res.writeHead(403).end();
        return;
      }
      hits.push(`${req.method} ${url.pathname}${url.search}`);
      const reply = routes[url.pathname]?.(req.method === 'GET' ? Object.fromEntries(url.searchParams) : params, url) ?? { status: 404, body: '' };
      res.writeHead(reply.status ?? 200, { 'content-type': 'text/xml' }).end(reply.body);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits };
}

async function callWith(url: string, extra: Record<string, string> = {}) {
  const h = harness();
  const call = await h.client.calls.create({ to: '+77162780193', from: FROM, url, ...extra });
  return h.fake.waitForCall(call.sid, 'terminal');
}

describe('the conversation engine', () => {
  it('resolves relative action URLs, follows <Redirect>, honours method="GET"', async () => {
    harness().fake.script('+77162780193', { outcome: 'completed', press: ['3', '1'] });
    const s = await twimlServer({
      '/start': () => ({ body: '<Response><Redirect method="POST">menu?lang=kk</Redirect></Response>' }),
      '/menu': () => ({ body: '<Response><Gather action="answer" method="GET" numDigits="1"><Say>Меню</Say></Gather></Response>' }),
      '/answer': (p) => ({
        body: p.Digits === '3' ? '<Response><Gather action="/confirm"><Say>Уверены?</Say></Gather></Response>' : '<Response><Hangup/></Response>',
      }),
      '/confirm': (p) => ({ body: `<Response><Say>Вы нажали ${p.Digits ?? ''}</Say></Response>` }),
    });
    const state = await callWith(`${s.base}/start`);
    expect(s.hits.map((hit) => hit.replace(/\?.*Digits=(\d).*/, '?Digits=$1'))).toEqual([
      'POST /start',
      'POST /menu?lang=kk',
      'GET /answer?Digits=3',
      'POST /confirm',
    ]);
    expect(state.inputs).toEqual(['3', '1']);
    expect(state.status).toBe('completed');
  });

  it('uses FallbackUrl when Url fails, logging 11200', async () => {
    const s = await twimlServer({
      '/broken': () => ({ status: 500, body: 'oops' }),
      '/fallback': () => ({ body: '<Response><Say>Резерв</Say></Response>' }),
    });
    const state = await callWith(`${s.base}/broken`, { fallbackUrl: `${s.base}/fallback` });
    expect(s.hits).toEqual(['POST /broken', 'POST /fallback']);
    expect(state.notifications.map((n) => n.errorCode)).toEqual([11200]);
    expect(state.status).toBe('completed');
  });

  it('a malformed document ends the call with 12100', async () => {
    const s = await twimlServer({ '/bad': () => ({ body: '<Response><Say>unterminated</Response>' }) });
    const state = await callWith(`${s.base}/bad`);
    expect(state.notifications.map((n) => [n.errorCode, n.requestUrl])).toEqual([[12100, `${s.base}/bad`]]);
    expect(state.status).toBe('completed');
  });

  it('a Redirect loop is cut off with a warning instead of running forever', async () => {
    const s = await twimlServer({ '/loop': () => ({ body: '<Response><Pause length="1"/><Redirect>/loop</Redirect></Response>' }) });
    const state = await callWith(`${s.base}/loop`);
    expect(s.hits).toHaveLength(25);
    expect(state.notifications.map((n) => [n.errorCode, n.log])).toEqual([[12200, '1']]);
  });

  it('verbs outside the simulation (<Dial>) are skipped with a warning', async () => {
    const s = await twimlServer({ '/dial': () => ({ body: '<Response><Dial>+77012345678</Dial><Say>после</Say></Response>' }) });
    const state = await callWith(`${s.base}/dial`);
    expect(state.notifications.map((n) => n.message)).toEqual([expect.stringContaining('<Dial>')]);
    expect(state.durationSec).toBeGreaterThan(0);
  });

  it('inline Twiml needs absolute action URLs', async () => {
    const h = harness();
    h.fake.script('+77162780193', { outcome: 'completed', press: '2' });
    const s = await twimlServer({ '/answer': () => ({ body: '<Response><Hangup/></Response>' }) });
    const call = await h.client.calls.create({
      to: '+77162780193',
      from: FROM,
      twiml: `<Response><Gather action="${s.base}/answer" numDigits="1"><Say>Меню</Say></Gather></Response>`,
    });
    const state = await h.fake.waitForCall(call.sid, 'terminal');
    expect(s.hits).toEqual(['POST /answer']);
    expect(state.inputs).toEqual(['2']);
  });
});
