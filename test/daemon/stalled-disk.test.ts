// A stalled disk is not a healthy daemon. The stall is real for the daemon's code: this test process
// holds SQLite's write lock on the daemon's database (BEGIN EXCLUSIVE), so every write the daemon
// tries waits on busy_timeout and fails, exactly as when another process or a stuck disk holds it.
// /healthz and /readyz must still answer promptly (not held up by the lock), /readyz must say "not ready" with the
// reason once a write has waited longer than store.stall_after, and recover when the lock goes.

import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until as waitUntil } from '../helpers/wait.ts';

const CHANNELS = 5;
/**
 * Each answer's own bound. The daemon's thread waits for the lock (busy_timeout, 200 ms a try), but
 * the front (src/daemon/front.ts) answers for it when it does not answer within 600 ms.
 */
const HEALTH_ANSWER_MS = 1000;
let site: LoopbackSite;
let dir: string;
let cleanup: () => void;
let daemon: RunningDaemon;
let configFile: string;

interface Ready {
  ready: boolean;
  checks: { database: string };
}

/** One request, with how long it took to answer; a request that hangs counts as 5 s. */
async function timed(url: string): Promise<{ ms: number; status: number; body: unknown }> {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body: unknown = await r.json();
    return { ms: performance.now() - t0, status: r.status, body };
  } catch {
    return { ms: 5000, status: 0, body: null };
  }
}

function probeCount(): number {
  const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM probes').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const until = <T>(what: string, fn: Parameters<typeof waitUntil<T>>[1]) => waitUntil(what, fn, 20_000);

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  site = await startSite({ routes: { '*': page('<title>Center</title><p>open</p>') } });
  const hosts = Array.from({ length: CHANNELS }, (_, i) => `center-${i}.example.kz`);
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    hosts.map((h, i) => `- id: center-${i}\n  name: Center ${i}\n  kind: rehabilitation_center\n  channels:\n    - type: website\n      value: "${site.url(h, '/')}"\n`).join(''),
  );
  configFile = writeConfig(
    dir,
    `registry: {file: centers.yaml, watch: false}
scheduler: {defaults: {website: 1s}, jitter: 100ms}
website: {resolve: {${hosts.map((h) => `"${h}": 127.0.0.1`).join(', ')}}, total_timeout: 5s}
canaries: {urls: []}
store: {flush_interval: 50ms, stall_after: 1500ms}
`,
  );
  daemon = await startDaemonProcess({ config: configFile, dataDir: path.join(dir, 'data') });
}, 60_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await site?.close();
  cleanup?.();
});

describe('a stalled disk', () => {
  test('health checks answer promptly while writes wait; /readyz says not ready with the reason, then recovers', async () => {
    await until('probes to be stored', async () => probeCount() >= CHANNELS);
    expect((await timed(`${daemon.url}/readyz`)).status).toBe(200);

    const locker = new Database(path.join(dir, 'data', DB_FILE_NAME));
    locker.pragma('busy_timeout = 10000');
    locker.exec('BEGIN EXCLUSIVE');
    const stalledAt = Date.now();
    const atStall = probeCount(); // WAL: readers still read
    const answers: { healthz: Awaited<ReturnType<typeof timed>>; readyz: Awaited<ReturnType<typeof timed>> }[] = [];
    try {
      // Long enough for several writer retries and for results to wait past stall_after.
      while (Date.now() - stalledAt < 5000) {
        const [healthz, readyz] = await Promise.all([timed(`${daemon.url}/healthz`), timed(`${daemon.url}/readyz`)]);
        answers.push({ healthz, readyz });
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }

    // Not held up by the lock: a daemon that waited on the main thread for SQLite's default 5 s
    // busy_timeout would answer after seconds (or not within timed()'s 5 s).
    for (const a of answers) {
      expect(a.healthz.status).toBe(200);
      expect(a.healthz.ms, 'GET /healthz while the disk is stalled').toBeLessThan(HEALTH_ANSWER_MS);
      expect(a.readyz.ms, 'GET /readyz while the disk is stalled').toBeLessThan(HEALTH_ANSWER_MS);
    }
    const notReady = answers.map((a) => a.readyz).filter((r) => r.status === 503);
    expect(notReady.length, JSON.stringify(answers.map((a) => a.readyz.body))).toBeGreaterThan(0);
    const reason = (notReady.at(-1)?.body as Ready).checks.database;
    expect(reason).toMatch(/^not writable: a write has waited .* for the disk \(store\.stall_after 1\.5 s\): database is locked/);
    // "Ready" never claimed a writable database in the stall's last seconds.
    expect((answers.at(-1)?.readyz.body as Ready).ready).toBe(false);

    // The lock is gone: the waiting results are written and the daemon is ready again.
    const ready = await until('ready again', async () => {
      const r = await timed(`${daemon.url}/readyz`);
      return r.status === 200 ? (r.body as Ready) : null;
    });
    expect(ready.checks.database).toBe('writable');
    await until('the results that waited to be stored', async () => probeCount() > atStall);
  }, 90_000);
});

describe('probing paused by a disk that does not take writes', () => {
  test('SIGTERM still stops the daemon by itself: the probes waiting for the disk give up at the grace, not at the forced exit', async () => {
    const dataDir = path.join(dir, 'paused');
    // One result a batch: probing pauses once more than two wait (README "Storage").
    mkdirSync(path.join(dir, 'paused-config'));
    const small = writeConfig(
      path.join(dir, 'paused-config'),
      readFileSync(configFile, 'utf8')
        .replace('file: centers.yaml', `file: "${path.join(dir, 'centers.yaml')}"`)
        .replace('store: {flush_interval: 50ms, stall_after: 1500ms}', 'store: {flush_interval: 50ms, stall_after: 1500ms, batch_max_rows: 1}'),
    );
    const d = await startDaemonProcess({ config: small, dataDir });
    try {
      await until('probes to be stored', async () => {
        const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM probes').get() as { n: number }).n >= CHANNELS;
        } finally {
          db.close();
        }
      });
      const locker = new Database(path.join(dataDir, DB_FILE_NAME));
      locker.exec('BEGIN EXCLUSIVE');
      try {
        // The writer reports how many results wait; past two, each further probe holds its slot.
        const waiting = () => d.logs.filter((l) => l.includes('wait for the database write lock')).map((l) => (JSON.parse(l) as { pending: number }).pending);
        await until('probing to pause', async () => Math.max(0, ...waiting()) > 2);
        d.child.kill('SIGTERM');
        const exit = await d.exited;
        // Stopped by itself (exit 0), not killed by close-with-grace's timeout (exit 1).
        expect(d.logs.some((l) => l.includes('killed by timeout')), d.logs.slice(-5).join('\n')).toBe(false);
        expect(exit).toBe(0);
        expect(d.logs.some((l) => l.includes('reachwatch stopped'))).toBe(true);
      } finally {
        locker.exec('ROLLBACK');
        locker.close();
      }
    } finally {
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    }
  }, 90_000);
});
