// The front: the production process's main thread. better-sqlite3 runs on the thread that calls it,
// so a write the kernel blocks (a frozen file system; even a read, through the WAL index's mmap)
// blocks that whole thread. The daemon (the core, src/daemon/core-worker.ts) therefore runs in a
// worker thread, and this thread, which never touches the database or the data disk after start-up,
// owns the public socket: it answers /healthz and /readyz itself when the core does not answer
// promptly, and passes every other request through to the core's own listener on 127.0.0.1.
//
// Start-up keeps the daemon's order (docs/operating.md, "Exit codes at start"): the registry is
// checked, the data folder locked, the public socket bound, and only then does the core open the
// database.

import { request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { Static } from 'typebox';
import type { Logger } from 'pino';
import type { Ready } from '../api/schemas.ts';
import { ConfigError, type Config } from '../config/config.ts';
import { missingSipPrograms } from '../probers/sip/programs.ts';
import { assertLoadable, registryOptionsFor } from '../registry/load.ts';
import { loadRegistryInWorker } from '../registry/load-in-worker.ts';
import { DaemonLockHeld, lockDataFolder, type DataFolderLock } from '../store/daemon-lock.ts';
import { judgeWrites } from '../store/write-health.ts';
import { CoreBeacon } from './core-beacon.ts';
import type { CoreMessage, CoreWorkerData, FrontMessage } from './core-protocol.ts';
import { CORE_HOST } from './daemon.ts';
import { bindApiSocket, type ApiSocket } from './listener.ts';
import { DataFolderError } from './startup-failure.ts';

const CORE_ENTRY = new URL('./core-worker.ts', import.meta.url);

/** A core that beat this recently is answering: /healthz and /readyz are passed to it. */
export const CORE_FRESH_MS = 300;
/** How long a passed-through /healthz or /readyz may take before the front answers itself; the total stays under 1 s. */
export const HEALTH_PROXY_DEADLINE_MS = 600;
/**
 * /healthz turns 503 when the core has not beaten for this long *and* is not waiting for the disk:
 * its thread is stuck in our own code (a loop, a deadlock), which a restart cures. A core blocked in
 * a disk write stays "alive" however long: a restart would block on the same disk, and a supervisor
 * kill-looping a daemon whose threads sit in the kernel makes things worse.
 */
export const LIVENESS_STALE_MS = 60_000;

/** Request headers that belong to one connection, not to the request (RFC 9110, 7.6.1), and those the front sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);
/** Set by the front alone: a client's own value would let it pose as another address (rate limits, logs). */
const FRONT_SET = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/** The core's start was refused: print `stderr` and exit with `code` (it has logged the details). */
export class CoreStartRefused extends Error {
  override name = 'CoreStartRefused';
  readonly code: number;
  readonly stderr: string;
  constructor(code: number, stderr: string) {
    super(stderr.trim());
    this.code = code;
    this.stderr = stderr;
  }
}

export interface Front {
  /** The public address, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Resolves, with the reason, if the core fails by itself (an uncaught error, an unexpected exit). */
  failed: Promise<string>;
  /** Forwards a registry reload (SIGHUP) to the core. */
  reload(): void;
  /** Stops the core (the daemon's graceful stop), then closes the socket and releases the lock. */
  stop(): Promise<void>;
}

type ReadyBody = Static<typeof Ready>;

/** Copies raw headers (names as sent, repeats kept) without the hop-by-hop ones and those named in Connection. */
function passable(raw: string[], drop: Set<string>): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'connection') for (const t of (raw[i + 1] ?? '').split(',')) named.add(t.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || drop.has(lower) || named.has(lower)) continue;
    out.push(name, raw[i + 1] ?? '');
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export async function startFront(config: Config, log: Logger, opts: { pretty: boolean }): Promise<Front> {
  // Before the data folder is touched: a trunk without its user agent would make every SIP call our own error.
  const missing = missingSipPrograms(config.sip);
  if (missing.length > 0) throw new ConfigError(missing);
  // The same order as startDaemon: a broken registry changes nothing, not even the data folder.
  // The same options as the core's own reloads, so the first load and later ones read the file alike.
  const registry = await loadRegistryInWorker(config.registry.file, registryOptionsFor(config));
  assertLoadable(registry);
  let lock: DataFolderLock;
  try {
    lock = lockDataFolder(config.dataDir, 'daemon');
  } catch (err) {
    throw err instanceof DaemonLockHeld ? err : new DataFolderError(config.dataDir, err);
  }
  let socket: ApiSocket;
  try {
    socket = await bindApiSocket(config.http.host, config.http.port);
  } catch (err) {
    lock.release();
    throw err;
  }

  const beacon = new CoreBeacon();
  const workerData: CoreWorkerData = { shared: beacon.shared, publicUrl: socket.url, registry, pretty: opts.pretty };
  const core = new Worker(CORE_ENTRY, { workerData });
  const tell = (m: FrontMessage) => core.postMessage(m);
  let lastReady: ReadyBody | null = null;
  let coreExited = false;
  let stopping = false;
  let onStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (onStopped = resolve));
  let onFailed: (reason: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => (onFailed = resolve));

  const started = new Promise<{ url: string; settings: Parameters<ApiSocket['serve']>[1] }>((resolve, reject) => {
    core.on('message', (m: CoreMessage) => {
      switch (m.type) {
        case 'running':
          return resolve({ url: m.url, settings: m.settings });
        case 'failed':
          return reject(new CoreStartRefused(m.code, m.stderr));
        case 'ready':
          lastReady = m.body;
          return;
        case 'error':
          reject(new Error(`the daemon failed while starting: ${m.message}`));
          return onFailed(`an unexpected error in the daemon: ${m.message}`);
        case 'stopped':
          return onStopped();
      }
    });
    core.on('error', (err) => {
      // An error the core's own handlers did not catch (one thrown while its modules load, say).
      log.error({ err }, 'the daemon core failed');
      reject(err);
      onFailed(`the daemon core failed: ${err.message}`);
    });
    core.on('exit', (code) => {
      coreExited = true;
      onStopped();
      reject(new Error(`the daemon core exited (code ${code}) before it started`));
      if (!stopping) onFailed(`the daemon core exited unexpectedly (code ${code})`);
    });
  });

  let coreUrl: URL;
  try {
    const s = await started;
    coreUrl = new URL(s.url);
    socket.serve((req, res) => handle(req, res), s.settings);
  } catch (err) {
    stopping = true;
    await core.terminate();
    await socket.close();
    lock.release();
    throw err;
  }
  const agent = new Agent({ keepAlive: true });

  /** Passes a request to the core and its answer back, streaming both bodies. */
  function pass(req: IncomingMessage, res: ServerResponse): void {
    const headers = passable(req.rawHeaders, FRONT_SET);
    headers.push('X-Forwarded-For', req.socket.remoteAddress ?? '');
    const upstream = request({ host: coreUrl.hostname, port: coreUrl.port, method: req.method, path: req.url, headers, agent, setHost: false });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, passable(answer.rawHeaders, new Set()));
      pipeline(answer, res, () => undefined);
    });
    upstream.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      const message = stopping || coreExited ? 'reachwatch is stopping.' : `the daemon did not answer: ${err.message}`;
      sendJson(res, stopping || coreExited ? 503 : 502, { statusCode: stopping || coreExited ? 503 : 502, error: stopping || coreExited ? 'Service Unavailable' : 'Bad Gateway', message });
    });
    // A client that goes away takes its request to the core with it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    pipeline(req, upstream, () => undefined);
  }

  /** Passes /healthz or /readyz to the core within the deadline, buffered so the front can still answer itself. */
  function passHealth(req: IncomingMessage, res: ServerResponse, own: () => void): void {
    const headers = passable(req.rawHeaders, FRONT_SET);
    headers.push('X-Forwarded-For', req.socket.remoteAddress ?? '');
    let settled = false;
    const fallback = () => {
      if (settled) return;
      settled = true;
      upstream.destroy();
      own();
    };
    const timer = setTimeout(fallback, HEALTH_PROXY_DEADLINE_MS);
    const upstream = request({ host: coreUrl.hostname, port: coreUrl.port, method: req.method, path: req.url, headers, agent, setHost: false });
    upstream.on('response', (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('error', fallback);
      answer.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, passable(answer.rawHeaders, new Set()));
        res.end(Buffer.concat(chunks));
      });
    });
    upstream.on('error', () => {
      clearTimeout(timer);
      fallback();
    });
    upstream.end();
    req.resume();
  }

  /** /healthz from the front: alive while the core's thread lives and is not stuck in our own code. */
  function liveness(res: ServerResponse): void {
    const since = beacon.sinceBeat();
    const waiting = beacon.writePendingFor();
    if (coreExited) return sendJson(res, 503, { statusCode: 503, error: 'Service Unavailable', message: 'the daemon core has exited.' });
    if (since !== null && since > LIVENESS_STALE_MS && waiting === null) {
      return sendJson(res, 503, {
        statusCode: 503,
        error: 'Service Unavailable',
        message: `the daemon core has not run for ${secs(since)} and is not waiting for the disk (stuck after ${secs(LIVENESS_STALE_MS)}).`,
      });
    }
    sendJson(res, 200, { status: 'ok' });
  }

  /** /readyz from the front: the core's last answer, overruled by what shared memory says now. */
  function readiness(res: ServerResponse): void {
    const base: ReadyBody = lastReady ?? { ready: false, checks: { database: 'not known yet', scheduler: 'not started', canaries: 'not known yet', telephony: 'not known yet' } };
    const checks = { ...base.checks };
    let ready = base.ready;
    const waiting = beacon.writePendingFor();
    const since = beacon.sinceBeat();
    const stallAfterMs = config.store.stallAfterMs;
    if (coreExited || stopping) {
      ready = false;
      checks.scheduler = coreExited ? 'stopped: the daemon core has exited' : 'stopping';
    } else if (waiting !== null) {
      const verdict = judgeWrites({ now: waiting, oldestPendingAt: 0, heartbeatFailingSince: null, lastError: null, lastWaitError: null }, stallAfterMs);
      // Until then it is not a verdict (a commit may take a while on a busy disk): the core's last word stands.
      if (!verdict.ok) {
        ready = false;
        checks.database = `not writable: ${verdict.reason}`;
      }
    } else if (since !== null && since > stallAfterMs) {
      ready = false;
      checks.scheduler = `not running: the daemon core has not run for ${secs(since)} (store.stall_after ${secs(stallAfterMs)})`;
    }
    sendJson(res, ready ? 200 : 503, { ready, checks });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const pathname = (req.url ?? '').split('?')[0];
    const health = (req.method === 'GET' || req.method === 'HEAD') && (pathname === '/healthz' || pathname === '/readyz');
    if (!health) return pass(req, res);
    const own = () => (pathname === '/healthz' ? liveness(res) : readiness(res));
    const since = beacon.sinceBeat();
    if (coreExited || stopping || since === null || since > CORE_FRESH_MS) {
      req.resume();
      return own();
    }
    passHealth(req, res, own);
  }

  let stopDone: Promise<void> | null = null;
  return {
    url: socket.url,
    failed,
    reload: () => {
      if (!stopping && !coreExited) tell({ type: 'reload' });
    },
    stop: () =>
      (stopDone ??= (async () => {
        stopping = true;
        if (!coreExited) tell({ type: 'stop' });
        await stopped;
        await socket.close();
        agent.destroy();
        lock.release();
        await core.terminate();
      })()),
  };
}
