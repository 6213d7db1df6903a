// The daemon's verdict on writes (Monitor.writeHealth, behind /readyz and the self-check's "disk"),
// on a real database file whose write lock another connection holds for a while, as a backup tool
// or a second writer would. A write that commits afterwards proves the disk takes writes again,
// even when the queue is never empty at the once-a-second check (a busy daemon); results waiting
// for their group commit are never a stall.

import Database from 'better-sqlite3';
import path from 'node:path';
import pino from 'pino';
import { afterEach, expect, test } from 'vitest';
import { buildConfig } from '../../src/config/config.ts';
import { DAEMON_BUSY_TIMEOUT_MS } from '../../src/daemon/daemon.ts';
import { Monitor } from '../../src/daemon/monitor.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const CHANNEL = 'a--web-a-example-kz';

function record(at: number): ProbeRecord {
  return {
    channelId: CHANNEL, jobId: null, dueAt: at, startedAt: at, durationMs: 12,
    evidence: { method: 'http', v: 1 }, classification: { outcome: 'reachable', reason: 'ok', detail: 'HTTP 200', flags: [] },
  };
}

function setUp(store: Record<string, string>): { monitor: Monitor; dataDir: string; reported: (string | null)[] } {
  const t = tempDir();
  closers.push(t.remove);
  const dataDir = path.join(t.dir, 'data');
  const db = openDatabase(dataDir, { busyTimeoutMs: DAEMON_BUSY_TIMEOUT_MS });
  closers.push(() => db.close());
  syncRegistry(db, assertLoadable(parseRegistry(`- id: a\n  name: A\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "https://a.example.kz/"}\n`, 'r.yaml')), 'r.yaml', 'x');
  const config = buildConfig({ store }, {}, null, (k) => k.join('.'), t.dir);
  const reported: (string | null)[] = [];
  const monitor = new Monitor(db, config, pino({ level: process.env.TEST_LOG ?? 'silent' }), { onWriteHealth: (e) => reported.push(e) });
  closers.push(() => monitor.stop(0));
  return { monitor, dataDir, reported };
}

test('results waiting for their group commit are not a stall, whatever store.flush_interval is (stall_after left at its default)', () => {
  const { monitor } = setUp({ flush_interval: '10s' });
  void monitor.writer.add(record(Date.now())).catch(() => undefined);
  // 7 s into a 10 s flush interval: the result waits as designed, the disk has not been asked yet.
  const later = performance.now() + 7000;
  expect(monitor.writeHealth(later)).toEqual({ ok: true });
});

test('a heartbeat that failed while another process held the lock does not outlive the batches committed after it', async () => {
  // A long flush interval: a result stays queued until the test flushes it, as in a busy daemon
  // whose queue always holds the latest results when the once-a-second check runs.
  const { monitor, dataDir, reported } = setUp({ flush_interval: '10s', stall_after: '20s' });

  // Idle, with the write lock held elsewhere: the heartbeat cannot write. It began failing long ago.
  const locker = new Database(path.join(dataDir, DB_FILE_NAME));
  locker.exec('BEGIN IMMEDIATE');
  const longAgo = performance.now() - 60_000;
  monitor.checkWrites(longAgo);
  locker.exec('ROLLBACK');
  locker.close();
  expect(monitor.writeHealth()).toMatchObject({ ok: false, reason: expect.stringMatching(/a write has waited .* database is locked/) });

  // The lock is gone: a batch commits. More results are queued at once, as a busy daemon's are.
  const now = Date.now();
  const first = monitor.writer.add(record(now));
  expect(monitor.writer.flush()).toBe(1);
  await first;
  void monitor.writer.add(record(now + 1)).catch(() => undefined);
  expect(monitor.writer.pending).toBe(1);

  expect(monitor.writeHealth()).toEqual({ ok: true });
  monitor.checkWrites();
  expect(monitor.writeHealth()).toEqual({ ok: true });
  // Nobody was told the disk fails while it takes writes (the self-check would freeze every status).
  expect(reported.at(-1) ?? null).toBeNull();
});
