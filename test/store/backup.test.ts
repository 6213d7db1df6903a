// A backup taken while the daemon writes: SQLite's online backup through `reachwatch backup`, from a
// second process, gives a file that opens and whose chains verify; restoring is copying it back.

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { verifyDatabase } from '../../src/store/verify.ts';
import { startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { page, startSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const t = tempDir();

/** Probes in the file so far, read beside the running daemon (WAL lets a reader in); 0 before it exists. */
function storedProbes(file: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM probes').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}
let daemon: RunningDaemon | null = null;
afterAll(async () => {
  daemon?.child.kill('SIGKILL');
  t.remove();
});

test('a backup taken under write load opens and verifies; restored, the daemon starts on it', async () => {
  const site = await startSite({ routes: { '*': page('<title>ok</title>') } });
  try {
    const hosts = Array.from({ length: 200 }, (_, i) => `c${i}.example.kz`);
    writeFileSync(
      path.join(t.dir, 'centers.yaml'),
      hosts.map((h, i) => `- id: c${i}\n  name: C${i}\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "${site.url(h, '/')}"}\n`).join(''),
    );
    const config = writeConfig(
      t.dir,
      `registry: {file: centers.yaml, watch: false}\nscheduler: {defaults: {website: 1s}, jitter: 10ms}\nwebsite: {resolve: {${hosts.map((h) => `${h}: 127.0.0.1`).join(', ')}}}\nstatus: {confirmations: 1}\ncanaries: {urls: []}\nstore: {flush_interval: 20ms}\n`,
    );
    const dataDir = path.join(t.dir, 'data');
    daemon = await startDaemonProcess({ config, dataDir });
    const file = path.join(dataDir, DB_FILE_NAME);
    // Under way: more than 100 probes written, and ~200/s more coming while the backup runs.
    await until('100 stored probes', () => storedProbes(file) > 100, 60_000);

    const target = path.join(t.dir, 'backup.db');
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    expect(await runCli(['backup', target, '--db', file], out, out)).toBe(0);
    expect(lines.join('')).toMatch(/^ok {4}probes: [\d,]+ records/m);
    // The daemon kept writing meanwhile, and the copy is a consistent snapshot of some moment.
    const copy = new Database(target, { readonly: true });
    const probes = (copy.prepare('SELECT COUNT(*) AS n FROM probes').get() as { n: number }).n;
    copy.close();
    expect(probes).toBeGreaterThan(100);
    expect((await verifyDatabase(target)).every((r) => r.ok)).toBe(true);
    // A second backup to the same file is refused: backups never overwrite.
    expect(await runCli(['backup', target, '--db', file], out, out)).toBe(73); // EX_CANTCREAT

    // Restore (README): stop the daemon, put the backup in place of reachwatch.db, start again.
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    const restored = path.join(t.dir, 'restored');
    mkdirSync(restored);
    copyFileSync(target, path.join(restored, DB_FILE_NAME));
    daemon = await startDaemonProcess({ config, dataDir: restored });
    await until('a probe written on top of the restored file', () => storedProbes(path.join(restored, DB_FILE_NAME)) > probes, 60_000);
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    daemon = null;
    const after = await verifyDatabase(path.join(restored, DB_FILE_NAME));
    expect(after.every((r) => r.ok)).toBe(true);
    expect(after[0]?.records).toBeGreaterThan(probes);
  } finally {
    await site.close();
  }
}, 150_000);
