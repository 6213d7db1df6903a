// The website prober: fetch a center's URL the way a person's browser would meet it (fresh DNS,
// fresh TCP, fresh TLS, redirects one by one) and write down every fact on the way.
// It decides nothing: a refused port, an expired certificate or a parked page are all just evidence
// here; src/classifier/website.ts says what they mean.

import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { TextDecoder } from 'node:util';
import { buildConnector, Client, errors as undiciErrors } from 'undici';
import type { Channel, Evidence } from '../../domain.ts';
import { sharedLoopWatch, type LoopWatch } from '../loop-watch.ts';
import { WEBSITE_DEFAULTS } from './config.ts';
import type { ProbeContext, Prober } from '../prober.ts';
import type {
  BodyFacts,
  CertFacts,
  ErrorPhase,
  ProbeError,
  RedirectFacts,
  TlsFacts,
  WebsiteEvidence,
  WebsiteHop,
} from './evidence.ts';

export interface WebsiteProberOptions {
  /** DNS + TCP connect, per hop (curl's --connect-timeout). */
  connectTimeoutMs: number;
  /** TLS handshake after TCP connect, per hop. */
  tlsTimeoutMs: number;
  /** From the request being sent to complete response headers, per hop. */
  headersTimeoutMs: number;
  /** Longest silence between body chunks, per hop; defaults to headersTimeoutMs. */
  bodyTimeoutMs?: number;
  /** Budget for the whole chain (all hops, all phases), shared. */
  totalTimeoutMs: number;
  maxRedirects: number;
  /** Bytes of the final body that are read, hashed and searched; default 65536. */
  maxBodyBytes?: number;
  userAgent: string;
  /** hostname → IP, like curl --resolve: points real-looking names at loopback in tests/bench/demo. */
  resolve?: Record<string, string>;
  /** The source address of every connection (undici's localAddress); absent: the system's choice. */
  localAddress?: string;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots; for tests and the demo only. */
  ca?: string[];
  /** Measures our own event loop's stalls during each probe; the process's shared watch by default. */
  loopWatch?: LoopWatch;
}

export const DEFAULT_MAX_BODY_BYTES = WEBSITE_DEFAULTS.maxBodyBytes;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const MAX_MESSAGE_CHARS = 300;
const MAX_TITLE_CHARS = 300;

/** Limits after defaults are applied, as each hop needs them. */
interface Limits {
  connectTimeoutMs: number;
  tlsTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  totalTimeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  userAgent: string;
  resolve: ReadonlyMap<string, string>;
  localAddress: string | undefined;
  ca: string[] | undefined;
  loopWatch: LoopWatch;
}

export function createWebsiteProber(opts: WebsiteProberOptions): Prober {
  const limits = normaliseOptions(opts);
  return {
    channelType: 'website',
    method: 'http',
    hostKey: (channel) => targetUrl(channel).hostname.toLowerCase(),
    probe: (channel, ctx) => probeWebsite(channel, ctx, limits),
    // The total timeout ends a probe itself; this only catches one that is stuck past it.
    deadlineMs: opts.totalTimeoutMs + 5000,
  };
}

function normaliseOptions(opts: WebsiteProberOptions): Limits {
  const resolve = new Map<string, string>();
  for (const [host, ip] of Object.entries(opts.resolve ?? {})) {
    if (isIP(ip) === 0) throw new TypeError(`resolve: "${ip}" for "${host}" is not an IP address`);
    resolve.set(host.toLowerCase(), ip);
  }
  if (opts.localAddress !== undefined && isIP(opts.localAddress) === 0) throw new TypeError(`localAddress: "${opts.localAddress}" is not an IP address`);
  return {
    connectTimeoutMs: opts.connectTimeoutMs,
    tlsTimeoutMs: opts.tlsTimeoutMs,
    headersTimeoutMs: opts.headersTimeoutMs,
    bodyTimeoutMs: opts.bodyTimeoutMs ?? opts.headersTimeoutMs,
    totalTimeoutMs: opts.totalTimeoutMs,
    maxRedirects: opts.maxRedirects,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    userAgent: opts.userAgent,
    resolve,
    localAddress: opts.localAddress,
    // Passing `ca` to tls.connect replaces the bundled roots, so keep them alongside the extras.
    ca: opts.ca && opts.ca.length > 0 ? [...rootCertificates, ...opts.ca] : undefined,
    loopWatch: opts.loopWatch ?? sharedLoopWatch(),
  };
}

/** A channel without an absolute http(s) URL is the registry's bug, not the center's: throw. */
function targetUrl(channel: Channel): URL {
  if (channel.target === null) throw new TypeError(`channel ${channel.id} has no target to probe`);
  const url = new URL(channel.target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`channel ${channel.id}: website target must be http(s), got ${url.protocol}`);
  }
  url.hash = '';
  return url;
}

// ---------------------------------------------------------------------------------------------
// The chain of hops

async function probeWebsite(channel: Channel, ctx: ProbeContext, limits: Limits): Promise<Evidence> {
  if (channel.type !== 'website') throw new TypeError(`website prober got a ${channel.type} channel`);
  const start = targetUrl(channel);
  const at = Date.now();
  const t0 = performance.now();
  // Plain controllers and a timer cleared when the probe ends, not AbortSignal.timeout()/any(): Node
  // pins a timeout signal handed to AbortSignal.any() (gcPersistentSignals) until its timer fires, so
  // at thousands of probes per second every probe's signals outlived it by the whole budget.
  const budget = new AbortController();
  const chain = new AbortController();
  const budgetTimer = new PhaseTimer();
  const onCtxAbort = (): void => chain.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onCtxAbort();
  else ctx.signal.addEventListener('abort', onCtxAbort, { once: true });
  const signals: ProbeSignals = { ctx: ctx.signal, budget: budget.signal, any: chain.signal };
  budgetTimer.start(limits.totalTimeoutMs, (lateMs) => {
    signals.budgetLateMs = lateMs;
    const reason = new DOMException(`The probe's total timeout of ${limits.totalTimeoutMs} ms expired.`, 'TimeoutError');
    budget.abort(reason);
    chain.abort(reason);
  });
  const watchedFrom = limits.loopWatch.begin();
  let watched = false;
  try {
    const evidence = await probeChain(channel, signals, limits, start, at, t0);
    // Asked after the chain, so a stall that made a deadline fire late is in the window it spoiled.
    const loop = limits.loopWatch.end(watchedFrom);
    watched = true;
    return loop.stalledMs > 0 ? { ...evidence, loop } : evidence;
  } finally {
    if (!watched) limits.loopWatch.end(watchedFrom);
    budgetTimer.clear();
    ctx.signal.removeEventListener('abort', onCtxAbort);
  }
}

async function probeChain(channel: Channel, signals: ProbeSignals, limits: Limits, start: URL, at: number, t0: number): Promise<Evidence> {

  const hops: WebsiteHop[] = [];
  const redirect: RedirectFacts = { count: 0, loop: false, tooMany: false };
  const seen = new Set<string>([start.href]);
  let body: BodyFacts | undefined;
  let url = start;

  for (;;) {
    const result = await runHop(url, channel, signals, limits);
    hops.push(result.hop);
    if (result.next === undefined) {
      body = result.body;
      break;
    }
    redirect.count += 1;
    if (seen.has(result.next.href)) {
      redirect.loop = true;
      break;
    }
    if (redirect.count > limits.maxRedirects) {
      redirect.tooMany = true;
      break;
    }
    seen.add(result.next.href);
    url = result.next;
  }

  const evidence: WebsiteEvidence = {
    method: 'http',
    v: 1,
    url: start.href,
    at,
    hops,
    ...(body ? { body } : {}),
    redirect,
    totalMs: round1(performance.now() - t0),
  };
  return evidence;
}

interface ProbeSignals {
  /** The daemon's signal: its abort is *our* failure. */
  ctx: AbortSignal;
  /** The probe-wide total timeout. */
  budget: AbortSignal;
  any: AbortSignal;
  /** How late the total timeout's timer fired, once it has. */
  budgetLateMs?: number;
}

/** Mutable record of one hop while it runs; frozen into a WebsiteHop at the end. */
interface HopState {
  url: URL;
  start: number;
  /** The phase in progress, so a failure can say where it happened. */
  phase: ErrorPhase;
  marks: { dns?: number; connect?: number; tls?: number; ttfb?: number };
  status?: number;
  location?: string;
  remote?: string;
  tls?: TlsFacts;
  /** First failure wins: later errors are consequences (e.g. the abort after our own destroy). */
  error?: ProbeError;
  /** Called by the connector once the connection is ready and the request goes out. */
  onReady?: () => void;
}

interface HopResult {
  hop: WebsiteHop;
  /** The next URL when this hop is a followable redirect. */
  next?: URL;
  body?: BodyFacts;
}

// undici runs headersTimeout/bodyTimeout on "fast timers" that tick every ~500 ms, so a 200 ms limit
// fires after up to a second. Our own watchdog (native timers) enforces the limits; undici's are kept
// this much later only as a backstop in case a socket event we rely on never comes.
const UNDICI_BACKSTOP_MS = 1_000;

/** Handed to client.destroy() once a hop is over; nothing reads it (the hop's outcome is already recorded). */
const HOP_DONE = Object.assign(new Error('The probe hop is over; its connection is closed.'), { code: 'REACHWATCH_HOP_DONE' });

async function runHop(url: URL, channel: Channel, signals: ProbeSignals, limits: Limits): Promise<HopResult> {
  const state: HopState = {
    url,
    start: performance.now(),
    phase: isIP(bareHostname(url)) === 0 ? 'dns' : 'connect',
    marks: {},
  };
  // The hop's own controller: the chain's abort and the watchdog both end the request through it.
  const hopAbort = new AbortController();
  const onChainAbort = (): void => hopAbort.abort(signals.any.reason);
  if (signals.any.aborted) onChainAbort();
  else signals.any.addEventListener('abort', onChainAbort, { once: true });
  const watchdog = new HopWatchdog(state, hopAbort);
  state.onReady = () => watchdog.arm(limits.headersTimeoutMs, 'UND_ERR_HEADERS_TIMEOUT', 'No response headers');
  // One Client per hop and `reset: true`: every hop is a fresh TCP (and TLS) connection, as a first visitor sees.
  const client = new Client(url.origin, {
    connect: makeConnector(state, limits, channel.options.insecure === true),
    pipelining: 0,
    allowH2: false,
    headersTimeout: limits.headersTimeoutMs + UNDICI_BACKSTOP_MS,
    bodyTimeout: limits.bodyTimeoutMs + UNDICI_BACKSTOP_MS,
  });
  let next: URL | undefined;
  let body: BodyFacts | undefined;
  try {
    const res = await client.request({
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      headers: {
        'user-agent': limits.userAgent,
        accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
        // We search the bytes for text: never let the server compress them.
        'accept-encoding': 'identity',
      },
      signal: hopAbort.signal,
      reset: true,
    });
    state.marks.ttfb = performance.now();
    watchdog.disarm();
    state.phase = 'body';
    state.status = res.statusCode;
    state.location = firstHeader(res.headers['location']);
    next = followableRedirect(res.statusCode, state.location, url);
    if (next === undefined) {
      const idle = (): void => watchdog.arm(limits.bodyTimeoutMs, 'UND_ERR_BODY_TIMEOUT', 'The body stalled: no data');
      const read = await readCapped(res.body, limits.maxBodyBytes, idle);
      body = analyseBody(read, firstHeader(res.headers['content-type']), channel.options.expectText);
    } else {
      discard(res.body);
    }
  } catch (err) {
    state.error ??= describeError(err, state, signals, limits);
    next = undefined;
    body = undefined;
  } finally {
    watchdog.disarm();
    signals.any.removeEventListener('abort', onChainAbort);
    // Destroy, not close: we never want what is left of the body, and the socket must not be reused.
    // With an error of our own: undici otherwise builds a ClientDestroyedError (and its stack) per hop.
    await client.destroy(HOP_DONE).catch(() => undefined);
  }
  return { hop: freezeHop(state), ...(next ? { next } : {}), ...(body ? { body } : {}) };
}

/** Enforces the headers and body-idle limits of one hop by aborting its request, recording why first. */
class HopWatchdog {
  readonly #state: HopState;
  readonly #abort: AbortController;
  readonly #timer = new PhaseTimer();

  constructor(state: HopState, abort: AbortController) {
    this.#state = state;
    this.#abort = abort;
  }

  /** (Re)starts the countdown; `code` uses undici's names so the evidence reads the same either way. */
  arm(ms: number, code: string, what: string): void {
    this.#timer.start(ms, (lateMs) => {
      const message = `${what} within ${ms} ms.`;
      this.#state.error ??= { code, phase: this.#state.phase, message, limitMs: ms, lateMs };
      this.#abort.abort(Object.assign(new Error(message), { code }));
    });
  }

  disarm(): void {
    this.#timer.clear();
  }
}

function followableRedirect(status: number, location: string | undefined, base: URL): URL | undefined {
  if (!REDIRECT_STATUSES.has(status) || location === undefined) return undefined;
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    return undefined; // an unparsable Location is a 3xx we cannot follow: the classifier sees a bare 3xx
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined;
  next.hash = '';
  return next;
}

function freezeHop(state: HopState): WebsiteHop {
  const rel = (mark: number | undefined): number | undefined =>
    mark === undefined ? undefined : round1(mark - state.start);
  const dns = rel(state.marks.dns);
  const connect = rel(state.marks.connect);
  const tls = rel(state.marks.tls);
  const ttfb = rel(state.marks.ttfb);
  return {
    url: state.url.href,
    ...(state.status !== undefined ? { status: state.status } : {}),
    ...(state.location !== undefined ? { location: state.location } : {}),
    ...(state.remote !== undefined ? { remote: state.remote } : {}),
    timings: {
      ...(dns !== undefined ? { dns } : {}),
      ...(connect !== undefined ? { connect } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(ttfb !== undefined ? { ttfb } : {}),
      total: round1(performance.now() - state.start),
    },
    ...(state.tls ? { tls: state.tls } : {}),
    ...(state.error ? { error: state.error } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Connection: DNS, TCP, TLS, each timed and timed out separately

function makeConnector(state: HopState, limits: Limits, insecure: boolean): buildConnector.connector {
  const base = buildConnector({
    allowH2: false,
    maxCachedSessions: 0, // no TLS resumption: each probe pays (and measures) a full handshake
    timeout: 0, // undici's timer spans DNS+TCP+TLS together; ours below time out each phase on its own
    rejectUnauthorized: false, // we verify below, so the certificate is still readable when it is bad
    lookup: makeLookup(state, limits.resolve),
    ...(limits.ca ? { ca: limits.ca } : {}),
  });
  const https = state.url.protocol === 'https:';

  return (options, callback) => {
    const timers = new PhaseTimer();
    const socket = base(limits.localAddress ? { ...options, localAddress: limits.localAddress } : options, (err, sock) => {
      timers.clear();
      if (err) return callback(err, null);
      if (https && !acceptTls(sock as TLSSocket, state, insecure)) {
        const code = state.tls?.authorizationError ?? 'ERR_TLS_UNAUTHORIZED';
        const error = Object.assign(new Error(`TLS certificate rejected: ${code}`), { code });
        state.error ??= { code, phase: 'tls', message: error.message };
        sock.destroy();
        return callback(error, null);
      }
      callback(null, sock);
    }) as unknown as Socket | undefined; // typed `void`, but lib/core/connect.js returns the socket (Connector.md relies on it)
    if (socket) watchSocket(socket, state, limits, https, timers);
  };
}

function watchSocket(socket: Socket, state: HopState, limits: Limits, https: boolean, timers: PhaseTimer): void {
  timers.start(limits.connectTimeoutMs, (lateMs) => {
    const error = new undiciErrors.ConnectTimeoutError(
      `No ${state.phase === 'dns' ? 'DNS answer' : 'TCP connection'} within ${limits.connectTimeoutMs} ms`,
    );
    state.error ??= { code: error.code, phase: state.phase, message: error.message, limitMs: limits.connectTimeoutMs, lateMs };
    socket.destroy(error);
  });
  // Prepended so the marks are taken before undici's own listeners hand the socket on and send the request.
  socket.prependOnceListener('connect', () => {
    state.marks.connect = performance.now();
    state.remote = formatRemote(socket.remoteAddress, socket.remotePort);
    state.phase = https ? 'tls' : 'headers';
    if (!https) {
      timers.clear();
      return state.onReady?.();
    }
    timers.start(limits.tlsTimeoutMs, (lateMs) => {
      const message = `TLS handshake not completed within ${limits.tlsTimeoutMs} ms`;
      state.error ??= { code: 'ERR_TLS_HANDSHAKE_TIMEOUT', phase: 'tls', message, limitMs: limits.tlsTimeoutMs, lateMs };
      socket.destroy(Object.assign(new Error(message), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }));
    });
  });
  socket.prependOnceListener('secureConnect', () => {
    state.marks.tls = performance.now();
    state.phase = 'headers';
    timers.clear();
    state.onReady?.();
  });
  socket.once('close', () => timers.clear());
}

/**
 * One pending deadline at a time. It tells its callback how late it fired: a starved event loop runs
 * timers late, and that delay is ours, so it goes into the evidence next to the limit.
 */
class PhaseTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;

  start(ms: number, onTimeout: (lateMs: number) => void): void {
    this.clear();
    const due = performance.now() + ms;
    this.#timer = setTimeout(() => onTimeout(Math.max(0, round1(performance.now() - due))), ms);
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Records what the handshake showed; false when the certificate must fail the probe. */
function acceptTls(sock: TLSSocket, state: HopState, insecure: boolean): boolean {
  const cert = certFacts(sock.getPeerCertificate());
  const protocol = sock.getProtocol();
  state.tls = {
    ...(protocol ? { protocol } : {}),
    authorized: sock.authorized,
    ...(sock.authorized ? {} : { authorizationError: String(sock.authorizationError) }),
    ...(cert ? { cert } : {}),
  };
  return sock.authorized || insecure;
}

function certFacts(peer: PeerCertificate): CertFacts | undefined {
  // getPeerCertificate() returns {} when the peer sent no certificate.
  if (!peer || !peer.valid_to) return undefined;
  return {
    issuer: formatName(peer.issuer),
    subject: formatName(peer.subject),
    validFrom: Date.parse(peer.valid_from),
    validTo: Date.parse(peer.valid_to),
    fingerprint256: peer.fingerprint256,
  };
}

function formatName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const part = (key: 'CN' | 'O'): string | undefined => {
    const value = name[key];
    if (value === undefined) return undefined;
    return `${key}=${Array.isArray(value) ? value.join('+') : value}`;
  };
  return [part('CN'), part('O')].filter((p) => p !== undefined).join(', ');
}

function makeLookup(state: HopState, resolve: ReadonlyMap<string, string>): LookupFunction {
  return (hostname, options, callback) => {
    const done: typeof callback = (err, address, family) => {
      if (!err) {
        state.marks.dns = performance.now();
        state.phase = 'connect';
      }
      callback(err, address, family);
    };
    const mapped = resolve.get(hostname.toLowerCase());
    if (mapped === undefined) return dnsLookup(hostname, options, done);
    const family = isIP(mapped);
    if (options.all) done(null, [{ address: mapped, family }]);
    else done(null, mapped, family);
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

function describeError(err: unknown, state: HopState, signals: ProbeSignals, limits: Limits): ProbeError {
  // Which signal fired decides the meaning, whatever error object undici chose to surface.
  if (signals.ctx.aborted) {
    return { code: 'AbortError', phase: state.phase, message: 'The probe was aborted by the daemon.' };
  }
  if (signals.budget.aborted) {
    const message = `Total timeout of ${limits.totalTimeoutMs} ms exceeded during the ${state.phase} phase.`;
    const late = signals.budgetLateMs;
    return { code: 'TimeoutError', phase: 'total', message, limitMs: limits.totalTimeoutMs, ...(late !== undefined ? { lateMs: late } : {}) };
  }
  const code = errorCode(err);
  state.remote ??= errorRemote(err);
  const phase: ErrorPhase =
    code === 'UND_ERR_HEADERS_TIMEOUT' ? 'headers' : code === 'UND_ERR_BODY_TIMEOUT' ? 'body' : state.phase;
  const message = err instanceof Error ? err.message : String(err);
  return { code, phase, message: message.slice(0, MAX_MESSAGE_CHARS) };
}

/** Where Node and undici put the code: `err.code ?? err.cause?.code ?? err.errors?.[0]?.code`, else the name. */
function errorCode(err: unknown): string {
  for (const candidate of errorCandidates(err)) {
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return err instanceof Error ? err.name : 'UNKNOWN';
}

function errorCandidates(err: unknown): object[] {
  if (typeof err !== 'object' || err === null) return [];
  const out: object[] = [err];
  const { cause } = err as { cause?: unknown };
  if (typeof cause === 'object' && cause !== null) out.push(cause);
  if (err instanceof AggregateError) {
    for (const inner of err.errors) if (typeof inner === 'object' && inner !== null) out.push(inner);
  }
  return out;
}

/** Connect errors carry the address they tried, which is what "refused by …" should name. */
function errorRemote(err: unknown): string | undefined {
  for (const candidate of errorCandidates(err)) {
    const { address, port } = candidate as { address?: unknown; port?: unknown };
    if (typeof address === 'string') return formatRemote(address, typeof port === 'number' ? port : undefined);
  }
  return undefined;
}

function formatRemote(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined) return undefined;
  const host = address.includes(':') ? `[${address}]` : address;
  return port === undefined ? host : `${host}:${port}`;
}

// ---------------------------------------------------------------------------------------------
// Body: read a bounded prefix, then look at it

interface CappedRead {
  bytes: Buffer;
  truncated: boolean;
}

/** Reads up to `max` bytes; `idle()` is called before each wait for data (it re-arms the stall timer). */
async function readCapped(
  stream: AsyncIterable<Buffer> & Discardable,
  max: number,
  idle: () => void,
): Promise<CappedRead> {
  const chunks: Buffer[] = [];
  let got = 0;
  let truncated = false;
  idle();
  for await (const chunk of stream) {
    idle();
    const room = max - got;
    if (chunk.length >= room) {
      chunks.push(chunk.subarray(0, room));
      got += room;
      truncated = chunk.length > room;
      break;
    }
    chunks.push(chunk);
    got += chunk.length;
  }
  discard(stream); // a no-op when fully read; otherwise stops the transfer before the socket is dropped
  return { bytes: Buffer.concat(chunks, got), truncated };
}

type Discardable = { destroy(): void; on(event: 'error', listener: (err: Error) => void): unknown };

/** Drops a body we do not want. undici reports an unfinished body's destroy as an 'error' event. */
function discard(stream: Discardable): void {
  stream.on('error', () => undefined);
  stream.destroy();
}

function analyseBody(read: CappedRead, contentType: string | undefined, expectText: string | undefined): BodyFacts {
  const { text: html, charset } = decodeBody(read.bytes, contentType);
  // Built only when needed: five passes over the page, the largest allocation of a whole probe.
  let visible: string | undefined;
  const getVisible = (): string => (visible ??= visibleText(html));
  const facts: BodyFacts = {
    title: extractTitle(html),
    sha256: createHash('sha256').update(read.bytes).digest('hex'),
    bytes: read.bytes.length,
    ...(read.truncated ? { truncated: true as const } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    charset,
    parkedMarker: findParkedMarker(html, getVisible),
  };
  if (expectText !== undefined && expectText !== '') {
    facts.expectText = { text: expectText, found: containsText(html, getVisible(), expectText) };
  }
  return facts;
}

/** Decode with the charset from Content-Type, else from a <meta> in the first KB, else UTF-8. */
function decodeBody(bytes: Uint8Array, contentType: string | undefined): { text: string; charset: string } {
  const label = charsetFromContentType(contentType) ?? charsetFromMeta(bytes);
  const decoder = makeDecoder(label) ?? new TextDecoder('utf-8');
  return { text: decoder.decode(bytes), charset: decoder.encoding };
}

function charsetFromContentType(contentType: string | undefined): string | undefined {
  return contentType?.match(/charset\s*=\s*["']?([\w.:-]+)/i)?.[1];
}

function charsetFromMeta(bytes: Uint8Array): string | undefined {
  // Labels are ASCII, and latin1 maps bytes 1:1, so this reads the prefix whatever its real encoding.
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  return head.match(/<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i)?.[1];
}

function makeDecoder(label: string | undefined): TextDecoder | undefined {
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label.toLowerCase());
  } catch {
    return undefined; // unknown label: fall back to UTF-8 rather than fail the probe
  }
}

function extractTitle(html: string): string | null {
  const raw = html.match(/<title[^>]*>([\s\S]*?)<\/title>/i)?.[1];
  if (raw === undefined) return null;
  return collapse(decodeEntities(raw)).slice(0, MAX_TITLE_CHARS);
}

/** What a reader sees: no scripts, styles or tags; entities decoded; whitespace collapsed. */
function visibleText(html: string): string {
  const noCode = html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ');
  return collapse(decodeEntities(noCode.replace(/<[^>]*>/g, ' ')));
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  laquo: '«',
  raquo: '»',
  mdash: '—',
  ndash: '–',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const cp = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Phrases a parking or for-sale page shows its visitors (checked on the visible text). */
const PARKED_TEXT_PATTERNS: readonly RegExp[] = [
  /this domain (?:may be|is) for sale/iu,
  /domain (?:name )?is for sale/iu,
  /buy this domain/iu,
  /make an offer/iu,
  /parked (?:free|domain)/iu,
  /parked for free/iu, // GoDaddy: "This Web page is parked for FREE"
  /домен\s+прода[её]тся/iu,
  /купить\s+(?:этот\s+)?домен/iu,
  /домен\s+припаркован/iu,
];

/** Parking vendors' page code, which is in scripts rather than in the visible text. */
const PARKED_VENDOR_PATTERNS: readonly RegExp[] = [/sedoParkingUrl/, /img\.sedoparking\.com/i];

/** Every PARKED_TEXT_PATTERNS match contains one of these words. */
const PARKED_KEYWORDS = /domain|offer|parked|домен/i;

function findParkedMarker(html: string, visible: () => string): string | null {
  // The visible text is the html minus tags, with entities decoded; named entities decode to punctuation
  // only, so unless a numeric entity could spell a letter, a keyword missing from the html is missing there too.
  if (PARKED_KEYWORDS.test(html) || html.includes('&#')) {
    const text = visible();
    for (const re of PARKED_TEXT_PATTERNS) {
      const hit = text.match(re);
      if (hit) return hit[0];
    }
  }
  for (const re of PARKED_VENDOR_PATTERNS) {
    const hit = html.match(re);
    if (hit) return hit[0];
  }
  return null;
}

function containsText(html: string, visible: string, needle: string): boolean {
  const want = collapse(needle).toLowerCase();
  return visible.toLowerCase().includes(want) || html.toLowerCase().includes(want);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** URL.hostname keeps IPv6 brackets; isIP and lookups want them off. */
function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}
