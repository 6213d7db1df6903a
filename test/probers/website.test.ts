// The website prober against real loopback servers, then the real classifier on what it recorded;
// and the website rules on hand-built evidence, one rule at a time.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, DEFAULT_RULES, type ClassifierRules } from '../../src/classifier/classifier.ts';
import { classifyWebsite, OUR_DELAY_FLOOR_MS, OUR_DELAY_SHARE, type WebsiteRules } from '../../src/classifier/website.ts';
import type { Channel, ChannelOptions, Classification, Evidence } from '../../src/domain.ts';
import {
  isWebsiteEvidence,
  type WebsiteEvidence,
  type WebsiteHop,
} from '../../src/probers/website/evidence.ts';
import { createWebsiteProber, type WebsiteProberOptions } from '../../src/probers/website/http.ts';
import {
  encodeWindows1251,
  handler,
  hang,
  loopbackResolve,
  page,
  redirect,
  refusedPort,
  startSilentServer,
  startSite,
  type LoopbackSite,
  type SilentServer,
} from '../../simulators/sites.ts';
import { createTestPki, validity, type TestPki } from '../../simulators/tls.ts';

const CENTER = 'center.example.kz';
const WWW_CENTER = 'www.center.example.kz';
const OTHER = 'other-site.example.com';
const EXPIRED = 'expired.example.kz';
const SELF = 'self.example.kz';
const EXPIRING = 'expiring.example.kz';
const MISMATCH = 'mismatch.example.kz';
const DAY_MS = 86_400_000;

let pki: TestPki;
let web: LoopbackSite;
let secure: LoopbackSite;
let silent: SilentServer;

// Generous: a limit of a few hundred ms would turn a busy machine's pause into our_overload on the
// probes that must succeed; the timeout tests set their own short limits.
const baseOptions = (): WebsiteProberOptions => ({
  connectTimeoutMs: 5000,
  tlsTimeoutMs: 5000,
  headersTimeoutMs: 5000,
  totalTimeoutMs: 10_000,
  maxRedirects: 5,
  userAgent: 'reachwatch-test/1',
  resolve: loopbackResolve([CENTER, WWW_CENTER, OTHER, EXPIRED, SELF, EXPIRING, MISMATCH]),
  ca: [pki.ca.cert],
});

function channel(target: string | null, options: ChannelOptions = {}): Channel {
  return {
    id: 'test-center/website/1',
    centerId: 'test-center',
    type: 'website',
    value: target ?? '',
    target,
    unprobeableReason: null,
    options,
    line: 1,
  };
}

interface Probed {
  ev: WebsiteEvidence;
  c: Classification;
  last: WebsiteHop;
}

async function probe(
  target: string,
  opts: { channel?: ChannelOptions; prober?: Partial<WebsiteProberOptions>; rules?: Partial<WebsiteRules> } = {},
): Promise<Probed> {
  const prober = createWebsiteProber({ ...baseOptions(), ...opts.prober });
  const evidence = await prober.probe(channel(target, opts.channel), { signal: new AbortController().signal });
  const ev = asWebsite(evidence);
  const rules: ClassifierRules = { website: { ...DEFAULT_RULES.website, ...opts.rules } };
  const last = ev.hops.at(-1);
  if (!last) throw new Error('evidence without hops');
  return { ev, c: classify(ev, rules), last };
}

function asWebsite(e: Evidence): WebsiteEvidence {
  expect(isWebsiteEvidence(e)).toBe(true);
  return e as WebsiteEvidence;
}

/**
 * Whether the evidence shows our own stall past the classifier's margin: on a busy machine the
 * process can be descheduled while a short deadline runs, and such a probe is rightly our_overload.
 */
function stalledUs(ev: WebsiteEvidence): boolean {
  const err = ev.hops.at(-1)?.error;
  if (typeof err?.limitMs !== 'number') return false;
  return Math.max(err.lateMs ?? 0, ev.loop?.stalledMs ?? 0) >= Math.max(OUR_DELAY_SHARE * err.limitMs, OUR_DELAY_FLOOR_MS);
}

/**
 * A timeout test's probe, tried again (up to 5 times) while its evidence shows that we, not the site,
 * were stalled; each such try must be error/our_overload. Judged on the measured stall, not on the
 * verdict, so a classifier that blamed us without a stall would still fail the test.
 */
async function unstalled<T extends { ev: WebsiteEvidence }>(run: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    const r = await run();
    if (!stalledUs(r.ev) || i === 5) return r;
    expect(classify(r.ev)).toMatchObject({ outcome: 'error', reason: 'our_overload' });
  }
}

beforeAll(async () => {
  pki = await createTestPki();
  const [valid, expired, selfSigned, expiring] = await Promise.all([
    pki.issue({ hosts: [CENTER, WWW_CENTER] }),
    pki.issue({ hosts: [EXPIRED], ...validity(-400, -30) }),
    pki.selfSigned([SELF]),
    pki.issue({ hosts: [EXPIRING], ...validity(-30, 5) }),
  ]);
  const hello = page('<html><head><title>Center of help</title></head><body>Call us</body></html>');
  secure = await startSite({
    tls: { cert: valid, byServername: { [EXPIRED]: expired, [SELF]: selfSigned, [EXPIRING]: expiring } },
    routes: { '*': hello },
  });
  web = await startSite({
    routes: {
      [`${CENTER}/`]: hello,
      [`${WWW_CENTER}/`]: hello,
      [`${OTHER}/`]: page('<title>Other site</title>Welcome to a different organisation'),
      '/hang': hang(),
      '/stall': handler((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<title>Partial</title>'); // ...and never end
      }),
      '/500': page('<title>Oops</title>Internal error', { status: 500 }),
      '/404': page('<title>Not here</title>', { status: 404 }),
      '/410': page('<title>Gone</title>', { status: 410 }),
      '/parked': page('<title>center.example.kz</title><h1>This domain is for sale!</h1><p>Make an offer today.</p>'),
      '/parked-ru': page('<title>Домен</title><p>Этот домен продаётся. Купить домен</p>'),
      '/sedo': page('<title>x</title><script>var sedoParkingUrl = "/x";</script>'),
      '/loop-a': redirect('/loop-b'),
      '/loop-b': redirect('/loop-a', 301),
      '/slow': page('<title>Slow</title>ok', { delayMs: 150 }),
      '/big': page(`<title>Big</title>${'x'.repeat(100_000)}`),
      '/cp1251': page(Buffer.concat([Buffer.from('<html><head><title>'), encodeWindows1251('Центр помощи "Ёлка"'), Buffer.from('</title></head><body>'), encodeWindows1251('Телефон доверия'), Buffer.from('</body></html>')]), {
        contentType: 'text/html; charset=windows-1251',
      }),
      '/cp1251-meta': page(Buffer.concat([Buffer.from('<html><head><meta charset="windows-1251"><title>'), encodeWindows1251('Кризисный центр'), Buffer.from('</title></head></html>')]), {
        contentType: 'text/html',
      }),
    },
  });
  // Routes whose answer names a port known only now.
  web.route(`${CENTER}/www`, redirect(web.url(WWW_CENTER, '/'), 301));
  web.route(`${CENTER}/to-https`, redirect(secure.url(CENTER, '/'), 301));
  web.route(`${CENTER}/moved`, redirect(web.url(OTHER, '/'), 302));
  web.route(`${CENTER}/downgrade-target`, page('<title>plain</title>'));
  secure.route(`${CENTER}/downgrade`, redirect(web.url(CENTER, '/downgrade-target')));
  web.route(
    `${CENTER}/*`,
    handler((req, res) => {
      // /chain/N redirects to /chain/N+1 forever: only a redirect cap ends it.
      const n = Number(/^\/chain\/(\d+)$/.exec(req.url ?? '')?.[1]);
      if (!Number.isInteger(n)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(302, { location: `/chain/${n + 1}` }).end();
    }),
  );
  silent = await startSilentServer();
});

afterAll(async () => {
  await Promise.all([web?.close(), secure?.close(), silent?.close()]);
  await pki?.cleanup();
});

describe('website prober + classifier on loopback servers', () => {
  it('a refused port is unavailable/connection_refused, naming the address', async () => {
    const port = await refusedPort();
    const { ev, c, last } = await probe(`http://127.0.0.1:${port}/`);
    expect(c).toEqual({
      outcome: 'unavailable',
      reason: 'connection_refused',
      detail: `Connection refused by 127.0.0.1:${port}.`,
      flags: [],
    });
    expect(last.error).toMatchObject({ code: 'ECONNREFUSED', phase: 'connect' });
    expect(last.remote).toBe(`127.0.0.1:${port}`);
    expect(last.status).toBeUndefined();
    expect(last.timings.dns).toBeUndefined(); // IP literals are not looked up
    expect(ev.body).toBeUndefined();
    expect(ev.url).toBe(`http://127.0.0.1:${port}/`);
  });

  it('a server that accepts and never answers hits the headers timeout: no_response', async () => {
    const { c, last } = await unstalled(() => probe(web.url(CENTER, '/hang'), { prober: { headersTimeoutMs: 200 } }));
    expect(c.outcome).toBe('unavailable');
    expect(c.reason).toBe('no_response');
    expect(last.error).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT', phase: 'headers' });
    expect(last.timings.connect).toBeGreaterThanOrEqual(0);
    expect(last.timings.ttfb).toBeUndefined();
    // The configured 200 ms headers timeout ended it (the error says which limit, and its value); not
    // before 200 ms. How much later depends on the machine's load, so there is no upper bound.
    expect(last.error?.message).toContain('within 200 ms');
    expect(last.timings.total).toBeGreaterThanOrEqual(190);
  });

  it('a body that stalls part-way hits the body idle timeout: body_timeout', async () => {
    const { c, last } = await unstalled(() => probe(web.url(CENTER, '/stall'), { prober: { bodyTimeoutMs: 200 } }));
    expect(last.status).toBe(200);
    expect(last.error).toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT', phase: 'body' });
    expect(last.error?.message).toContain('within 200 ms');
    expect(last.timings.total).toBeGreaterThanOrEqual(190);
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'body_timeout' });
  });

  it('the shared total budget ends a silent server first when it is shorter: timeout', async () => {
    const { ev, c, last } = await unstalled(() =>
      probe(web.url(CENTER, '/hang'), {
        prober: { headersTimeoutMs: 1000, totalTimeoutMs: 200 },
      }),
    );
    expect(c.reason).toBe('timeout');
    expect(c.outcome).toBe('unavailable');
    expect(last.error).toMatchObject({ code: 'TimeoutError', phase: 'total' });
    expect(last.error?.message).toContain('headers phase');
    // The 200 ms budget, not the 1 s headers timeout, ended it: judged by the error, not a stopwatch.
    expect(ev.totalMs).toBeGreaterThanOrEqual(190);
  });

  it('a TLS handshake that never completes is cut by tlsTimeoutMs: tls_timeout', async () => {
    const { c, last } = await unstalled(() => probe(`https://${CENTER}:${silent.port}/`, { prober: { tlsTimeoutMs: 150 } }));
    expect(last.error).toMatchObject({ code: 'ERR_TLS_HANDSHAKE_TIMEOUT', phase: 'tls' });
    expect(last.timings.connect).toBeGreaterThanOrEqual(0);
    expect(last.timings.tls).toBeUndefined();
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'tls_timeout' });
  });

  it('HTTP 500 is unavailable/http_5xx with the code in the detail', async () => {
    const { ev, c, last } = await probe(web.url(CENTER, '/500'));
    expect(last.status).toBe(500);
    expect(ev.body?.title).toBe('Oops');
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'http_5xx' });
    expect(c.detail).toContain('HTTP 500');
  });

  it('HTTP 404 and 410 at the listed address are closed', async () => {
    const r404 = await probe(web.url(CENTER, '/404'));
    const r410 = await probe(web.url(CENTER, '/410'));
    expect([r404.c.outcome, r404.c.reason, r404.last.status]).toEqual(['closed', 'http_404', 404]);
    expect([r410.c.outcome, r410.c.reason, r410.last.status]).toEqual(['closed', 'http_410', 410]);
  });

  it('a "domain for sale" page is closed/parked_page with the matched phrase', async () => {
    const { ev, c } = await probe(web.url(CENTER, '/parked'));
    expect(ev.body?.parkedMarker).toBe('This domain is for sale');
    expect(c).toMatchObject({ outcome: 'closed', reason: 'parked_page' });
    expect(c.detail).toContain('This domain is for sale');
  });

  it('recognises Russian for-sale text and a parking vendor fingerprint', async () => {
    const ru = await probe(web.url(CENTER, '/parked-ru'));
    const sedo = await probe(web.url(CENTER, '/sedo'));
    expect(ru.ev.body?.parkedMarker).toBe('домен продаётся');
    expect(sedo.ev.body?.parkedMarker).toBe('sedoParkingUrl');
    expect(ru.c.reason).toBe('parked_page');
  });

  it('a page without the expected text is closed/expected_text_missing; with it (any case) reachable', async () => {
    const missing = await probe(web.url(CENTER, '/'), { channel: { expectText: 'Телефон доверия' } });
    expect(missing.ev.body?.expectText).toEqual({ text: 'Телефон доверия', found: false });
    expect(missing.c).toMatchObject({ outcome: 'closed', reason: 'expected_text_missing' });

    const present = await probe(web.url(CENTER, '/'), { channel: { expectText: 'CENTER OF HELP' } });
    expect(present.ev.body?.expectText).toEqual({ text: 'CENTER OF HELP', found: true });
    expect(present.c).toMatchObject({ outcome: 'reachable', reason: 'ok' });
  });

  it('a redirect to another registrable domain is redirected/other_domain, every hop recorded', async () => {
    const { ev, c } = await probe(web.url(CENTER, '/moved'));
    expect(ev.hops.map((h) => [h.url, h.status])).toEqual([
      [web.url(CENTER, '/moved'), 302],
      [web.url(OTHER, '/'), 200],
    ]);
    expect(ev.hops[0]?.location).toBe(web.url(OTHER, '/'));
    expect(ev.redirect).toEqual({ count: 1, loop: false, tooMany: false });
    expect(ev.body?.title).toBe('Other site');
    expect(c).toMatchObject({ outcome: 'redirected', reason: 'other_domain' });
    expect(c.detail).toContain(OTHER);
  });

  it('http→https on the same name and a www redirect stay reachable', async () => {
    const toHttps = await probe(web.url(CENTER, '/to-https'));
    expect(toHttps.ev.hops.map((h) => h.status)).toEqual([301, 200]);
    expect(toHttps.c).toMatchObject({ outcome: 'reachable', reason: 'ok', flags: [] });
    const tls = toHttps.last.tls;
    expect(tls?.authorized).toBe(true);
    expect(tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(tls?.cert?.issuer).toBe('CN=Reachwatch Test CA, O=reachwatch tests');
    expect(tls?.cert?.subject).toBe(`CN=${CENTER}`);
    expect(tls?.cert?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(toHttps.last.timings.tls).toBeGreaterThan(toHttps.last.timings.connect ?? Infinity);
    expect(toHttps.last.timings.dns).toBeGreaterThanOrEqual(0); // a name, so looked up (via `resolve`)

    const www = await probe(web.url(CENTER, '/www'));
    expect(www.ev.hops.map((h) => h.url)).toEqual([web.url(CENTER, '/www'), web.url(WWW_CENTER, '/')]);
    expect(www.c).toMatchObject({ outcome: 'reachable', reason: 'ok' });
  });

  it('https→http on a hop is flagged https_downgrade', async () => {
    const { c } = await probe(secure.url(CENTER, '/downgrade'));
    expect(c).toMatchObject({ outcome: 'reachable', flags: ['https_downgrade'] });
  });

  it('a redirect loop is detected without fetching the repeat: redirect_loop', async () => {
    const { ev, c } = await probe(web.url(CENTER, '/loop-a'));
    expect(ev.hops.map((h) => new URL(h.url).pathname)).toEqual(['/loop-a', '/loop-b']);
    expect(ev.redirect).toEqual({ count: 2, loop: true, tooMany: false });
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'redirect_loop' });
  });

  it('more than maxRedirects is too_many_redirects', async () => {
    const { ev, c } = await probe(web.url(CENTER, '/chain/0'), { prober: { maxRedirects: 3 } });
    expect(ev.hops.map((h) => new URL(h.url).pathname)).toEqual(['/chain/0', '/chain/1', '/chain/2', '/chain/3']);
    expect(ev.redirect).toEqual({ count: 4, loop: false, tooMany: true });
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'too_many_redirects' });
  });

  it('an expired certificate fails the probe before any HTTP request: tls_error CERT_HAS_EXPIRED', async () => {
    const before = secure.requests.filter((r) => r.host === EXPIRED).length;
    const { ev, c, last } = await probe(secure.url(EXPIRED, '/'));
    expect(last.error).toMatchObject({ code: 'CERT_HAS_EXPIRED', phase: 'tls' });
    expect(last.tls).toMatchObject({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED' });
    expect(last.tls?.cert?.validTo).toBeLessThan(ev.at);
    expect(last.status).toBeUndefined();
    expect(secure.requests.filter((r) => r.host === EXPIRED).length).toBe(before);
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'tls_error' });
    expect(c.detail).toContain('CERT_HAS_EXPIRED');
  });

  it('a self-signed certificate is tls_error DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    const { c, last } = await probe(secure.url(SELF, '/'));
    expect(last.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(last.tls?.cert?.issuer).toBe(`CN=${SELF}`);
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'tls_error' });
  });

  it('a certificate for another name is tls_error ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const { c, last } = await probe(secure.url(MISMATCH, '/'));
    expect(last.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(c.reason).toBe('tls_error');
  });

  it('a trusted certificate expiring in 5 days is reachable + cert_expiring', async () => {
    const { ev, c, last } = await probe(secure.url(EXPIRING, '/'));
    expect(last.tls?.authorized).toBe(true);
    const left = (last.tls?.cert?.validTo ?? 0) - ev.at;
    expect(left).toBeGreaterThan(4 * DAY_MS);
    expect(left).toBeLessThan(6 * DAY_MS);
    expect(c).toMatchObject({ outcome: 'reachable', flags: ['cert_expiring'] });
  });

  it('an insecure channel accepts a self-signed certificate, flagged tls_invalid_ignored', async () => {
    const { c, last } = await probe(secure.url(SELF, '/'), { channel: { insecure: true } });
    expect(last.status).toBe(200);
    expect(last.tls).toMatchObject({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(c).toMatchObject({ outcome: 'reachable', flags: ['tls_invalid_ignored'] });
  });

  it('a slow first byte is reachable + slow', async () => {
    const { ev, c, last } = await probe(web.url(CENTER, '/slow'), { rules: { slowMs: 100 } });
    expect(last.timings.ttfb).toBeGreaterThanOrEqual(140);
    expect(ev.totalMs).toBeGreaterThan(100);
    expect(c).toMatchObject({ outcome: 'reachable', flags: ['slow'] });
  });

  it('a name that does not resolve is closed/dns_not_found', async () => {
    const { c, last } = await probe('http://no-such-center.invalid/');
    expect(last.error).toMatchObject({ code: 'ENOTFOUND', phase: 'dns' });
    expect(last.timings.dns).toBeUndefined();
    expect(c).toMatchObject({ outcome: 'closed', reason: 'dns_not_found' });
    expect(c.detail).toBe('The name no-such-center.invalid does not resolve (ENOTFOUND).');
  });

  it('a failed canary turns a network failure into our error, but not a real answer', async () => {
    const canary = { ok: false, checkedAt: Date.now(), detail: '3 of 3 reference sites unreachable' };
    const refused = await probe(`http://127.0.0.1:${await refusedPort()}/`);
    const down = classify({ ...refused.ev, canary });
    expect(down.outcome).toBe('error');
    expect(down.reason).toBe('our_network');
    expect(down.detail).toContain('not counted against the center');

    const ok = await probe(web.url(CENTER, '/'));
    expect(classify({ ...ok.ev, canary })).toMatchObject({ outcome: 'reachable', reason: 'ok' });
  });

  it('decodes a windows-1251 page (charset in Content-Type or in <meta>)', async () => {
    const header = await probe(web.url(CENTER, '/cp1251'), { channel: { expectText: 'телефон ДОВЕРИЯ' } });
    expect(header.ev.body?.charset).toBe('windows-1251');
    expect(header.ev.body?.title).toBe('Центр помощи "Ёлка"');
    expect(header.ev.body?.expectText?.found).toBe(true);

    const meta = await probe(web.url(CENTER, '/cp1251-meta'));
    expect(meta.ev.body?.title).toBe('Кризисный центр');
  });

  it('reads at most maxBodyBytes and hashes exactly those bytes', async () => {
    const { ev } = await probe(web.url(CENTER, '/big'), { prober: { maxBodyBytes: 1000 } });
    const expected = Buffer.from(`<title>Big</title>${'x'.repeat(100_000)}`).subarray(0, 1000);
    expect(ev.body).toMatchObject({
      bytes: 1000,
      truncated: true,
      title: 'Big',
      sha256: createHash('sha256').update(expected).digest('hex'),
      contentType: 'text/html; charset=utf-8',
    });
  });

  it('two probes of the same target open two distinct TCP connections, with full TLS handshakes', async () => {
    const site = await startSite({ routes: { '/': page('<title>one</title>') } });
    const tlsSite = await startSite({ tls: { cert: await pki.issue({ hosts: [CENTER] }) }, routes: { '/': page('ok') } });
    try {
      const prober = createWebsiteProber(baseOptions());
      const ctx = { signal: new AbortController().signal };
      for (const target of [site.url(CENTER), site.url(CENTER), tlsSite.url(CENTER), tlsSite.url(CENTER)]) {
        await prober.probe(channel(target), ctx);
      }
      expect(site.connections).toBe(2);
      const ports = site.requests.map((r) => r.remotePort);
      expect(ports).toHaveLength(2);
      expect(new Set(ports).size).toBe(2);
      expect(site.requests[0]?.headers['connection']).toBe('close');
      expect(site.requests[0]?.headers['accept-encoding']).toBe('identity');
      expect(site.requests[0]?.headers['user-agent']).toBe('reachwatch-test/1');

      expect(tlsSite.connections).toBe(2);
      expect(tlsSite.requests.map((r) => r.tlsResumed)).toEqual([false, false]);
    } finally {
      await Promise.all([site.close(), tlsSite.close()]);
    }
  });

  it('stores compact JSON: no undefined fields, timings rounded to 0.1 ms', async () => {
    const { ev } = await probe(web.url(CENTER, '/'));
    expect(JSON.parse(JSON.stringify(ev))).toEqual(ev);
    const t = ev.hops[0]?.timings ?? { total: NaN };
    for (const v of Object.values(t)) expect(Math.round(v * 10) / 10).toBe(v);
    expect(Object.keys(ev.hops[0] ?? {}).sort()).toEqual(['remote', 'status', 'timings', 'url']);
    expect(ev.at).toBeGreaterThan(Date.UTC(2024, 0, 1));
  });

  it('hostKey is the lower-cased host; a channel without target is a programmer error', async () => {
    const prober = createWebsiteProber(baseOptions());
    expect(prober.hostKey(channel('https://Center.Example.KZ:8443/Path'))).toBe('center.example.kz');
    expect(() => prober.hostKey(channel(null))).toThrow(TypeError);
    await expect(prober.probe(channel(null), { signal: new AbortController().signal })).rejects.toThrow(TypeError);
  });

  it('an abort by the daemon is our error, not the center’s', async () => {
    const ac = new AbortController();
    const prober = createWebsiteProber(baseOptions());
    const pending = prober.probe(channel(web.url(CENTER, '/hang')), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const ev = asWebsite(await pending);
    expect(ev.hops[0]?.error?.code).toBe('AbortError');
    expect(classify(ev)).toMatchObject({ outcome: 'error', reason: 'probe_aborted' });
  });
});

// -------------------------------------------------------------------------------------------------
// Our overload is not their failure: a starved event loop fires deadlines late.

/** Keeps this process's event loop from running anything for `ms`, as a long GC or a CPU-bound burst does. */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: nothing else of ours runs meanwhile, timers and sockets included
  }
}

describe('our own stalls during a probe', () => {
  const tight = { connectTimeoutMs: 300, headersTimeoutMs: 300, totalTimeoutMs: 400 };

  it('a healthy site probed while our loop is blocked past the limit is error/our_overload, with the lateness stored', async () => {
    const prober = createWebsiteProber({ ...baseOptions(), ...tight });
    const pending = prober.probe(channel(web.url(CENTER, '/')), { signal: new AbortController().signal });
    blockLoop(1200); // three times the total limit: the site's page is waiting, we cannot read it
    const ev = asWebsite(await pending);
    const last = ev.hops.at(-1);
    expect(last?.error?.limitMs).toBeGreaterThan(0);
    // The timer that ended it fired long after it was due, and the watch saw the stall: both are evidence.
    expect(last?.error?.lateMs).toBeGreaterThan(400);
    expect(ev.loop?.maxStallMs).toBeGreaterThan(800);
    expect(ev.loop?.stalledMs).toBeGreaterThanOrEqual(ev.loop?.maxStallMs ?? Infinity);
    // Classified from the stored JSON alone, as an audit would.
    const stored = JSON.parse(JSON.stringify(ev)) as Evidence;
    expect(classify(stored)).toMatchObject({ outcome: 'error', reason: 'our_overload' });
    expect(classify(stored).detail).toContain(CENTER);
    // With the loop free again, the same prober finds the same site reachable. Its limits are tight
    // (400 ms), so on a busy machine a probe may be overrun by our being descheduled: that one is ours
    // again, never the site's, and a later one gets through.
    const again: string[] = [];
    for (let i = 0; i < 5 && again.at(-1) !== 'reachable/ok'; i++) {
      const c = classify(asWebsite(await prober.probe(channel(web.url(CENTER, '/')), { signal: new AbortController().signal })));
      again.push(`${c.outcome}/${c.reason}`);
    }
    expect(again.at(-1)).toBe('reachable/ok');
    expect(again.filter((v) => v !== 'reachable/ok' && v !== 'error/our_overload')).toEqual([]);
  });

  it('a site that holds its answer past the total limit while our loop is idle is still unavailable/timeout', async () => {
    // Limits of 2 s: a loaded test machine may deschedule us briefly, which must stay under a quarter of them.
    web.route(`${CENTER}/held`, page('<title>Too late</title>', { delayMs: 5000 }));
    const prober = createWebsiteProber({ ...baseOptions(), headersTimeoutMs: 8000, totalTimeoutMs: 2000 });
    const { ev } = await unstalled(async () => ({ ev: asWebsite(await prober.probe(channel(web.url(CENTER, '/held')), { signal: new AbortController().signal })) }));
    expect(ev.hops.at(-1)?.error).toMatchObject({ code: 'TimeoutError', phase: 'total', limitMs: 2000 });
    expect(classify(ev)).toMatchObject({ outcome: 'unavailable', reason: 'timeout' });
  });

  it('a server that never answers while our loop is idle is still unavailable/no_response', async () => {
    const prober = createWebsiteProber({ ...baseOptions(), headersTimeoutMs: 2000, totalTimeoutMs: 5000 });
    const { ev } = await unstalled(async () => ({ ev: asWebsite(await prober.probe(channel(web.url(CENTER, '/hang')), { signal: new AbortController().signal })) }));
    expect(ev.hops.at(-1)?.error).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT', limitMs: 2000 });
    expect(classify(ev)).toMatchObject({ outcome: 'unavailable', reason: 'no_response' });
  });

  it('a stall in the middle of a probe that then succeeds changes nothing but the evidence', async () => {
    const prober = createWebsiteProber({ ...baseOptions(), connectTimeoutMs: 3000, headersTimeoutMs: 3000, totalTimeoutMs: 3000 });
    const pending = prober.probe(channel(web.url(CENTER, '/')), { signal: new AbortController().signal });
    blockLoop(300);
    const ev = asWebsite(await pending);
    expect(classify(ev)).toMatchObject({ outcome: 'reachable', reason: 'ok' });
    expect(ev.loop?.maxStallMs).toBeGreaterThan(200);
  });
});

// -------------------------------------------------------------------------------------------------
// classifyWebsite on hand-built evidence: no servers, no clock.

describe('classifyWebsite rules', () => {
  const AT = Date.UTC(2031, 5, 1); // far from today: a rule reading the clock would give other answers
  const RULES: WebsiteRules = { slowMs: 3000, certExpiryWarnDays: 14 };
  const START = 'https://center.example.kz/';

  function okHop(url = START, extra: Partial<WebsiteHop> = {}): WebsiteHop {
    return { url, status: 200, remote: '203.0.113.5:443', timings: { dns: 1, connect: 2, tls: 5, ttfb: 9, total: 10 }, ...extra };
  }

  function evidence(over: Partial<WebsiteEvidence> = {}): WebsiteEvidence {
    return {
      method: 'http',
      v: 1,
      url: START,
      at: AT,
      hops: [okHop()],
      body: { title: 'Центр', sha256: 'ab', bytes: 100, charset: 'utf-8', parkedMarker: null },
      redirect: { count: 0, loop: false, tooMany: false },
      totalMs: 10,
      ...over,
    };
  }

  function failed(code: string, phase: NonNullable<WebsiteHop['error']>['phase'], extra: Partial<WebsiteHop> = {}): WebsiteEvidence {
    const hop: WebsiteHop = { url: START, remote: '203.0.113.5:443', timings: { total: 5 }, error: { code, phase, message: 'm' }, ...extra };
    const { body: _omit, ...rest } = evidence({ hops: [hop] });
    return rest;
  }

  const cls = (e: WebsiteEvidence, rules: WebsiteRules = RULES): Classification => classifyWebsite(e, rules);

  it.each([
    ['ENOTFOUND', 'dns', 'closed', 'dns_not_found'],
    ['EAI_AGAIN', 'dns', 'unavailable', 'dns_temporary'],
    ['UND_ERR_CONNECT_TIMEOUT', 'dns', 'unavailable', 'dns_timeout'],
    ['ESERVFAIL', 'dns', 'unavailable', 'dns_error'],
    ['ECONNREFUSED', 'connect', 'unavailable', 'connection_refused'],
    ['ECONNRESET', 'headers', 'unavailable', 'connection_reset'],
    ['UND_ERR_SOCKET', 'headers', 'unavailable', 'connection_closed'],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect', 'unavailable', 'connect_timeout'],
    ['EHOSTUNREACH', 'connect', 'unavailable', 'host_unreachable'],
    ['ERR_TLS_HANDSHAKE_TIMEOUT', 'tls', 'unavailable', 'tls_timeout'],
    ['EPROTO', 'tls', 'unavailable', 'tls_handshake_failed'],
    ['UND_ERR_HEADERS_TIMEOUT', 'headers', 'unavailable', 'no_response'],
    ['UND_ERR_BODY_TIMEOUT', 'body', 'unavailable', 'body_timeout'],
    ['TimeoutError', 'total', 'unavailable', 'timeout'],
    ['HPE_INVALID_CONSTANT', 'headers', 'unavailable', 'invalid_response'],
    ['EWHATEVER', 'headers', 'unavailable', 'network_error'],
    ['AbortError', 'headers', 'error', 'probe_aborted'],
  ] as const)('%s in %s → %s/%s', (code, phase, outcome, reason) => {
    const c = cls(failed(code, phase));
    expect([c.outcome, c.reason]).toEqual([outcome, reason]);
    expect(c.flags).toEqual([]);
    expect(c.detail).toMatch(/^[A-Z0-9h].*\.$/);
  });

  it('names the peer in a refused connection', () => {
    expect(cls(failed('ECONNREFUSED', 'connect')).detail).toBe('Connection refused by 203.0.113.5:443.');
  });

  it('a certificate error is tls_error naming the code', () => {
    const e = failed('CERT_HAS_EXPIRED', 'tls', { tls: { authorized: false, authorizationError: 'CERT_HAS_EXPIRED' } });
    expect(cls(e)).toEqual({
      outcome: 'unavailable',
      reason: 'tls_error',
      detail: 'The TLS certificate of center.example.kz was rejected: CERT_HAS_EXPIRED.',
      flags: [],
    });
  });

  describe('canary', () => {
    const down = { ok: false, checkedAt: AT, detail: 'canaries unreachable' };

    it('failed canary + network failure without any response → error/our_network', () => {
      for (const [code, phase] of [['ECONNREFUSED', 'connect'], ['ENOTFOUND', 'dns'], ['TimeoutError', 'total'], ['EPROTO', 'tls']] as const) {
        expect(cls({ ...failed(code, phase), canary: down })).toMatchObject({ outcome: 'error', reason: 'our_network' });
      }
    });

    it('a healthy canary changes nothing', () => {
      expect(cls({ ...failed('ECONNREFUSED', 'connect'), canary: { ...down, ok: true } }).reason).toBe('connection_refused');
    });

    it('a certificate error is the center’s even when the canary failed', () => {
      const e = failed('CERT_HAS_EXPIRED', 'tls', { tls: { authorized: false, authorizationError: 'CERT_HAS_EXPIRED' } });
      expect(cls({ ...e, canary: down }).reason).toBe('tls_error');
    });

    it('once the server answered, the canary does not matter', () => {
      expect(cls(evidence({ canary: down })).outcome).toBe('reachable');
      const afterResponse = failed('UND_ERR_BODY_TIMEOUT', 'body', { status: 200 });
      expect(cls({ ...afterResponse, canary: down }).reason).toBe('body_timeout');
      const redirectedThenRefused = evidence({
        canary: down,
        hops: [okHop(START, { status: 301, location: 'https://x.example.kz/' }), { url: 'https://x.example.kz/', timings: { total: 1 }, error: { code: 'ECONNREFUSED', phase: 'connect', message: 'm' } }],
      });
      expect(cls(redirectedThenRefused).reason).toBe('connection_refused');
    });
  });

  it('redirect loop and too many redirects are unavailable', () => {
    expect(cls(evidence({ redirect: { count: 2, loop: true, tooMany: false }, hops: [okHop(START, { status: 302 })] })).reason).toBe('redirect_loop');
    const many = cls(evidence({ redirect: { count: 11, loop: false, tooMany: true }, hops: [okHop(START, { status: 302 })] }));
    expect([many.outcome, many.reason]).toEqual(['unavailable', 'too_many_redirects']);
    expect(many.detail).toContain('11 redirects');
  });

  it('5xx is unavailable/http_5xx and wins over a parked marker', () => {
    const c = cls(evidence({ hops: [okHop(START, { status: 503 })], body: { title: null, sha256: 'a', bytes: 1, charset: 'utf-8', parkedMarker: 'buy this domain' } }));
    expect([c.outcome, c.reason]).toEqual(['unavailable', 'http_5xx']);
    expect(c.detail).toBe('The server answered HTTP 503 at https://center.example.kz/.');
  });

  it('404 and 410 are closed; other 4xx are inconclusive', () => {
    expect(cls(evidence({ hops: [okHop(START, { status: 404 })] })).reason).toBe('http_404');
    expect(cls(evidence({ hops: [okHop(START, { status: 410 })] })).outcome).toBe('closed');
    expect(cls(evidence({ hops: [okHop(START, { status: 403 })] }))).toMatchObject({ outcome: 'inconclusive', reason: 'http_4xx' });
  });

  it('parked beats a missing expected text; expected text is only required of a 2xx page', () => {
    const body = { title: null, sha256: 'a', bytes: 1, charset: 'utf-8', parkedMarker: 'make an offer', expectText: { text: 'Центр', found: false } };
    expect(cls(evidence({ body })).reason).toBe('parked_page');
    const missing = { ...body, parkedMarker: null };
    expect(cls(evidence({ body: missing }))).toMatchObject({ outcome: 'closed', reason: 'expected_text_missing' });
    expect(cls(evidence({ body: missing, hops: [okHop(START, { status: 403 })] })).reason).toBe('http_4xx');
    expect(cls(evidence({ body: { ...missing, expectText: { text: 'Центр', found: true } } })).outcome).toBe('reachable');
  });

  it('ending on another registrable domain is redirected; www, subdomains and ports are the same site', () => {
    const chain = (to: string, from = START): WebsiteEvidence =>
      evidence({ url: from, hops: [okHop(from, { status: 301, location: to }), okHop(to)], redirect: { count: 1, loop: false, tooMany: false } });
    expect(cls(chain('https://parking.example.com/lander'))).toMatchObject({
      outcome: 'redirected',
      reason: 'other_domain',
      detail: 'https://center.example.kz/ redirects to parking.example.com, another domain.',
    });
    expect(cls(chain('https://www.center.example.kz/')).outcome).toBe('reachable');
    expect(cls(chain('https://help.example.kz:8443/ru')).outcome).toBe('reachable');
    expect(cls(chain('https://center.example.com/')).outcome).toBe('redirected'); // same label, other suffix
    expect(cls(chain('https://b.github.io/', 'https://a.github.io/')).outcome).toBe('redirected'); // private suffix
    expect(cls(chain('http://10.0.0.2/', 'http://10.0.0.1/')).outcome).toBe('redirected');
    expect(cls(chain('http://10.0.0.1:8080/', 'http://10.0.0.1/')).outcome).toBe('reachable');
    expect(cls(chain('http://www.intranet.local/', 'http://intranet.local/')).outcome).toBe('reachable');
  });

  it('a 3xx that could not be followed is inconclusive', () => {
    expect(cls(evidence({ hops: [okHop(START, { status: 302 })] }))).toMatchObject({ outcome: 'inconclusive', reason: 'redirect_unfollowable' });
    expect(cls(evidence({ hops: [okHop(START, { status: 300, location: '/a' })] })).detail).toContain('cannot be followed');
  });

  it('2xx is reachable with a readable detail', () => {
    expect(cls(evidence({ totalMs: 123.4 }))).toEqual({
      outcome: 'reachable',
      reason: 'ok',
      detail: 'https://center.example.kz/ answered HTTP 200 in 123 ms.',
      flags: [],
    });
  });

  it('slow is total chain time strictly above slowMs', () => {
    expect(cls(evidence({ totalMs: 3000 })).flags).toEqual([]);
    expect(cls(evidence({ totalMs: 3000.1 })).flags).toEqual(['slow']);
  });

  it('cert_expiring is measured from evidence.at, not from the clock', () => {
    const withCert = (validTo: number): WebsiteEvidence =>
      evidence({ hops: [okHop(START, { tls: { authorized: true, cert: { issuer: 'CN=CA', subject: 'CN=c', validFrom: AT - 90 * DAY_MS, validTo, fingerprint256: 'AA' } } })] });
    expect(cls(withCert(AT + 3 * DAY_MS)).flags).toEqual(['cert_expiring']);
    expect(cls(withCert(AT + 13.9 * DAY_MS)).flags).toEqual(['cert_expiring']);
    expect(cls(withCert(AT + 14.1 * DAY_MS)).flags).toEqual([]);
    expect(cls(withCert(AT + 3 * DAY_MS), { ...RULES, certExpiryWarnDays: 2 }).flags).toEqual([]);
  });

  it('flags an ignored invalid certificate and an https→http hop, in a fixed order', () => {
    const e = evidence({
      totalMs: 5000,
      hops: [
        okHop(START, { status: 301, location: 'http://center.example.kz/', tls: { authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' } }),
        okHop('http://center.example.kz/'),
      ],
      redirect: { count: 1, loop: false, tooMany: false },
    });
    expect(cls(e)).toMatchObject({ outcome: 'reachable', flags: ['slow', 'tls_invalid_ignored', 'https_downgrade'] });
  });

  describe('our overload', () => {
    const timedOut = (error: Partial<NonNullable<WebsiteHop['error']>>, loop?: WebsiteEvidence['loop']): WebsiteEvidence => {
      const hop: WebsiteHop = { url: START, remote: '203.0.113.5:443', timings: { total: 2000 }, error: { code: 'TimeoutError', phase: 'total', message: 'm', ...error } };
      const { body: _omit, ...rest } = evidence({ hops: [hop], ...(loop ? { loop } : {}) });
      return rest;
    };

    it('a deadline of ours that fired late by a quarter of its limit or more is error/our_overload', () => {
      expect(cls(timedOut({ limitMs: 2000, lateMs: 600 }))).toMatchObject({ outcome: 'error', reason: 'our_overload' });
      const c = cls(timedOut({ code: 'UND_ERR_HEADERS_TIMEOUT', phase: 'headers', limitMs: 1500, lateMs: 0 }, { stalledMs: 700, maxStallMs: 400 }));
      expect(c).toMatchObject({ outcome: 'error', reason: 'our_overload' });
      expect(c.detail).toContain('center.example.kz');
    });

    it('our stalls during the probe count even when the deadline itself fired on time', () => {
      expect(cls(timedOut({ limitMs: 2000, lateMs: 1 }, { stalledMs: 500, maxStallMs: 500 })).reason).toBe('our_overload');
      expect(cls(timedOut({ code: 'ERR_TLS_HANDSHAKE_TIMEOUT', phase: 'tls', limitMs: 1000, lateMs: 0 }, { stalledMs: 300, maxStallMs: 300 })).reason).toBe('our_overload');
    });

    it('small stalls leave the verdict to the site: below a quarter of the limit, and never under 250 ms', () => {
      expect(cls(timedOut({ limitMs: 2000, lateMs: 3 }, { stalledMs: 400, maxStallMs: 200 }))).toMatchObject({ outcome: 'unavailable', reason: 'timeout' });
      const headers = { code: 'UND_ERR_HEADERS_TIMEOUT', phase: 'headers', limitMs: 200 } as const;
      expect(cls(timedOut({ ...headers, lateMs: 200 }, { stalledMs: 240, maxStallMs: 240 }))).toMatchObject({ outcome: 'unavailable', reason: 'no_response' });
      expect(cls(timedOut({ ...headers, lateMs: 260 }))).toMatchObject({ outcome: 'error', reason: 'our_overload' });
    });

    it('errors the network reported and evidence from before the lateness was stored keep their old verdicts', () => {
      const stall = { stalledMs: 5000, maxStallMs: 5000 };
      expect(cls(timedOut({}, stall))).toMatchObject({ outcome: 'unavailable', reason: 'timeout' });
      expect(cls({ ...failed('ECONNREFUSED', 'connect'), loop: stall })).toMatchObject({ outcome: 'unavailable', reason: 'connection_refused' });
    });
  });

  it('malformed or foreign evidence is our error, never a verdict on the center', () => {
    expect(classifyWebsite({ method: 'http', v: 1 }, RULES)).toMatchObject({ outcome: 'error', reason: 'malformed_evidence' });
    expect(cls(evidence({ hops: [] })).reason).toBe('malformed_evidence');
    expect(classify({ method: 'fax', v: 1 })).toMatchObject({ outcome: 'error', reason: 'unknown_evidence' });
  });
});
