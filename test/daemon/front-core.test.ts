// The production process is a front (main thread) and a core (the daemon, in a worker thread). What
// the operator sees must not change: a start the core refuses still prints one line and exits with
// its documented code, and SIGTERM still stops the daemon cleanly (exit 0, the database checkpointed
// and closed, the core's last log line written before the process ends).

import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { freePort, runDaemonExpectingExit, startDaemonProcess, writeConfig } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

let site: LoopbackSite;
let dir: string;
let cleanup: () => void;
let config: string;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  site = await startSite({ routes: { '*': page('<title>Center</title><p>open</p>') } });
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    `- id: center-a\n  name: Center A\n  kind: rehabilitation_center\n  channels:\n    - type: website\n      value: "${site.url('center-a.example.kz', '/')}"\n`,
  );
  config = writeConfig(
    dir,
    `registry: {file: centers.yaml, watch: false}
scheduler: {defaults: {website: 1s}, jitter: 100ms}
website: {resolve: {"center-a.example.kz": 127.0.0.1}, total_timeout: 5s}
canaries: {urls: []}
store: {flush_interval: 50ms}
`,
  );
}, 60_000);

afterAll(async () => {
  await site?.close();
  cleanup?.();
});

describe('the front and its core', () => {
  test('a start the core refuses (a database of a newer schema) prints one line and exits 78, as before the split', async () => {
    const dataDir = path.join(dir, 'newer');
    mkdirSync(dataDir);
    const db = new Database(path.join(dataDir, DB_FILE_NAME));
    db.pragma('user_version = 999');
    db.close();
    const r = await runDaemonExpectingExit({ REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(r.code).toBe(78);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/schema version 999/);
    // The core's fatal line reached the log before the process ended.
    expect(r.stdout).toMatch(/"level":60.*schema version 999/);
  }, 60_000);

  test('SIGTERM: exit 0, the database checkpointed and closed by the core, its last log line written', async () => {
    const dataDir = path.join(dir, 'stop');
    const d = await startDaemonProcess({ config, dataDir });
    await until(
      'a probe to be stored',
      () => {
        const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM probes').get() as { n: number }).n > 0;
        } finally {
          db.close();
        }
      },
      30_000,
    );
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(d.logs.at(-1) ?? '', d.logs.slice(-5).join('\n')).toContain('reachwatch stopped');
    // A clean close leaves no write-ahead log to replay: checkpointed (TRUNCATE) and removed on close.
    const wal = path.join(dataDir, `${DB_FILE_NAME}-wal`);
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
  }, 60_000);
});
