// The loopback sites as a client sees them: routing by Host and path, each kind of misbehaviour,
// HTTPS with a certificate chosen by SNI. Plain node:http clients, so the Host header is ours to set.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeWindows1251,
  hang,
  handler,
  LOOPBACK,
  loopbackResolve,
  page,
  redirect,
  refusedPort,
  reset,
  startSilentServer,
  startSite,
  type LoopbackSite,
} from '../sites.ts';
import { createTestPki, validity } from '../tls.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function site(...args: Parameters<typeof startSite>): Promise<LoopbackSite> {
  const s = await startSite(...args);
  cleanups.push(() => s.close());
  return s;
}

interface Got {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function get(s: LoopbackSite, host: string, path = '/', opts: { timeoutMs?: number; ca?: string } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const common = { host: LOOPBACK, port: s.port, path, headers: { host }, agent: false as const };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    };
    const req =
      s.protocol === 'https:'
        ? httpsRequest({ ...common, servername: host, ca: opts.ca }, onResponse)
        : httpRequest(common, onResponse);
    if (opts.timeoutMs !== undefined) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

describe('startSite', () => {
  it('routes by host/path, then path, then host/*, then *, and answers 404 otherwise', async () => {
    const s = await site({
      routes: {
        'a.example.kz/': page('a root'),
        '/shared': page('any host'),
        'b.example.kz/*': page('all of b'),
      },
    });
    expect((await get(s, 'a.example.kz', '/')).body).toBe('a root');
    expect((await get(s, 'a.example.kz', '/shared?x=1')).body).toBe('any host');
    expect((await get(s, 'b.example.kz', '/shared')).body).toBe('any host');
    expect((await get(s, 'b.example.kz', '/deep/page')).body).toBe('all of b');
    expect((await get(s, 'a.example.kz', '/missing')).status).toBe(404);
    s.route('*', page('fallback', { status: 503, contentType: 'text/plain' }));
    const fallback = await get(s, 'c.example.kz', '/missing');
    expect(fallback).toMatchObject({ status: 503, body: 'fallback' });
    expect(fallback.headers['content-type']).toBe('text/plain');
    expect(s.requests.map((r) => `${r.host}${r.path}`)).toEqual([
      'a.example.kz/',
      'a.example.kz/shared',
      'b.example.kz/shared',
      'b.example.kz/deep/page',
      'a.example.kz/missing',
      'c.example.kz/missing',
    ]);
    expect(s.url('a.example.kz', '/x')).toBe(`http://a.example.kz:${s.port}/x`);
  });

  it('redirects, hands requests to a handler, hangs and resets as scripted', async () => {
    const s = await site({
      routes: {
        '/old': redirect('/new', 301),
        '/echo': handler((req, res) => res.end(`you asked for ${req.url}`)),
        '/hang': hang(),
        '/reset': reset(),
      },
    });
    const moved = await get(s, 'x.example.kz', '/old');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/new');
    expect((await get(s, 'x.example.kz', '/echo?q=1')).body).toBe('you asked for /echo?q=1');
    await expect(get(s, 'x.example.kz', '/hang', { timeoutMs: 300 })).rejects.toThrow('no answer');
    await expect(get(s, 'x.example.kz', '/reset')).rejects.toThrow(/socket hang up|ECONNRESET/);
    // Each request above came over a connection of its own (agent: false).
    expect(s.connections).toBe(4);
  });

  it('serves HTTPS with the certificate the client names by SNI', async () => {
    const pki = await createTestPki();
    cleanups.push(() => pki.cleanup());
    const [good, expired] = await Promise.all([
      pki.issue({ hosts: ['good.example.kz'] }),
      pki.issue({ hosts: ['expired.example.kz'], ...validity(-30, -1) }),
    ]);
    const s = await site({ routes: { '*': page('secure') }, tls: { cert: good, byServername: { 'expired.example.kz': expired } } });
    expect(s.protocol).toBe('https:');
    expect((await get(s, 'good.example.kz', '/', { ca: pki.ca.cert })).body).toBe('secure');
    await expect(get(s, 'expired.example.kz', '/', { ca: pki.ca.cert })).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
    // Unknown names get the default certificate, which does not name them.
    await expect(get(s, 'other.example.kz', '/', { ca: pki.ca.cert })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('the other loopback pieces', () => {
  it('a silent server accepts connections and never writes; a refused port refuses', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    // A TLS client waits for the server's hello, which never comes; the handshake times out instead.
    const outcome = await new Promise<string>((resolve) => {
      const c = tlsConnect({ host: LOOPBACK, port: silent.port, servername: 'slow.example.kz' });
      c.setTimeout(300, () => (c.destroy(), resolve('timed out')));
      c.once('secureConnect', () => (c.destroy(), resolve('handshake')));
      c.once('data', () => (c.destroy(), resolve('data')));
      c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(outcome).toBe('timed out');
    expect(silent.connections).toBeGreaterThanOrEqual(1);

    const port = await refusedPort();
    const refused = await new Promise<string>((resolve) => {
      const c = connect(port, LOOPBACK);
      c.once('connect', () => (c.destroy(), resolve('connected')));
      c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('loopbackResolve sends every name to 127.0.0.1; encodeWindows1251 encodes Russian and refuses the rest', () => {
    expect(loopbackResolve(['a.kz', 'b.kz'])).toEqual({ 'a.kz': LOOPBACK, 'b.kz': LOOPBACK });
    expect([...encodeWindows1251('Ok Ёжик')]).toEqual([0x4f, 0x6b, 0x20, 0xa8, 0xe6, 0xe8, 0xea]);
    expect(() => encodeWindows1251('Қ')).toThrow(/U\+49a/);
  });
});
