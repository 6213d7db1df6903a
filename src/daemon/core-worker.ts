// The core: the daemon as it always ran (startDaemon), in a worker thread of the front's process
// (src/daemon/front.ts). Its thread may block in the kernel on a frozen disk; the front's thread never
// touches the disk and answers /healthz and /readyz meanwhile from what this thread left in shared
// memory (a heartbeat, a write in progress) and in its last messages.

import pino from 'pino';
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { readinessOf } from '../api/routes/health.ts';
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../log.ts';
import { CoreBeacon, HEARTBEAT_MS, monotonicMs } from './core-beacon.ts';
import type { CoreMessage, CoreWorkerData, FrontMessage } from './core-protocol.ts';
import { startDaemon, type Daemon } from './daemon.ts';
import { refusalOf } from './startup-failure.ts';

/** Longest wait for the log's last lines to reach stdout before saying `stopped`. */
const LOG_FLUSH_MS = 1000;

const port = parentPort;
if (!port) throw new Error('src/daemon/core-worker.ts runs in a worker thread started by src/daemon/front.ts');
const data = workerData as CoreWorkerData;
const post = (m: CoreMessage) => port.postMessage(m);
const beacon = new CoreBeacon(data.shared);

// pino writes to fd 1 from this thread itself (not through the main thread's process.stdout), so a
// line logged before `stopped` is on its way; flushing makes sure it has been written before the
// front ends the process.
const destination = data.pretty ? null : pino.destination({ dest: 1, minLength: 0, sync: false });
async function flushLog(): Promise<void> {
  if (!destination) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, LOG_FLUSH_MS);
    destination.flush(() => (clearTimeout(timer), resolve()));
  });
  try {
    destination.flushSync();
  } catch {
    // a write still in flight: it completes on its own
  }
}

// The front validated the configuration a moment ago; the same file and environment give the same result.
const config = loadConfig();
const log: Logger = destination ? createLogger({ level: config.log.level, pretty: false, destination }) : createLogger({ level: config.log.level, pretty: true });

let daemon: Daemon | null = null;

const failed = (err: unknown) => {
  log.error({ err }, 'stopping after an unexpected error');
  void flushLog().then(() => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
process.on('uncaughtException', failed);
process.on('unhandledRejection', failed);

// The heartbeat, and /readyz's body whenever it changes (cheap: read from memory). The body is
// looked at once per HEARTBEAT_MS of real time: under the demo's fast clock (demo/clock.ts) this
// interval fires far more often than that.
let lastReady = '';
let lookedAt = 0;
const heartbeat = setInterval(() => {
  const now = monotonicMs();
  beacon.beat(now);
  if (!daemon || now - lookedAt < HEARTBEAT_MS) return;
  lookedAt = now;
  const body = readinessOf(daemon.monitor);
  const json = JSON.stringify(body);
  if (json !== lastReady) {
    lastReady = json;
    post({ type: 'ready', body });
  }
}, HEARTBEAT_MS);
heartbeat.unref();
beacon.beat();

port.on('message', (m: FrontMessage) => {
  if (m.type === 'reload') {
    log.info('SIGHUP: reloading the registry');
    void daemon?.reload();
  } else if (m.type === 'stop') {
    void (async () => {
      try {
        await daemon?.stop();
      } catch (err) {
        log.error({ err }, 'the daemon did not stop cleanly');
      }
      clearInterval(heartbeat);
      await flushLog();
      post({ type: 'stopped' });
      port.close();
    })();
  }
});

try {
  daemon = await startDaemon(config, log, { publicUrl: data.publicUrl, beacon, registry: data.registry });
  // Only the numbers: Fastify's settings object carries functions, which cannot cross to another thread.
  const { keepAliveTimeout, requestTimeout, connectionTimeout } = daemon.serverSettings;
  const settings = Object.fromEntries(Object.entries({ keepAliveTimeout, requestTimeout, connectionTimeout }).filter(([, v]) => typeof v === 'number'));
  post({ type: 'running', url: daemon.url, settings });
} catch (err) {
  const refusal = refusalOf(err);
  log.fatal(refusal.fields, refusal.message);
  await flushLog();
  post({ type: 'failed', code: refusal.code, stderr: refusal.stderr });
  clearInterval(heartbeat);
  port.close();
}
