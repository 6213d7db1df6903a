// Start-up under faults, with the real daemon: a second daemon on the same data folder is refused
// (and a kill -9'd one does not block the next); a port in use, an unresolvable HOST, a bad
// LOG_LEVEL, a file where the data folder should be, a read-only disk and a full disk each stop the
// start with one line naming the setting or path, a documented exit code, and an unchanged database.

import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { freePort, portOpen, processAlive, runBin, runDaemonExpectingExit, startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';

let site: LoopbackSite;
let dir: string;
let cleanup: () => void;
let config: string;
/** A data folder holding a database written by one earlier, graceful run. */
let seeded: string;
const mounts: string[] = [];

/** Everything the database holds on disk, as one hash (the file and its WAL). */
function dbHash(dataDir: string): string {
  const h = createHash('sha256');
  for (const f of [DB_FILE_NAME, `${DB_FILE_NAME}-wal`]) {
    const p = path.join(dataDir, f);
    // A reader may leave an empty WAL file behind: no content, no change.
    h.update(f).update(existsSync(p) ? readFileSync(p) : '');
  }
  return h.digest('hex');
}

function registrySyncs(dataDir: string): number {
  const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM registry_syncs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A copy of the seeded data folder (database only, no lock file), at `to`. */
function copySeeded(to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(seeded)) if (f.startsWith(DB_FILE_NAME)) cpSync(path.join(seeded, f), path.join(to, f));
}

function mount(args: string[], at: string): void {
  execFileSync('mount', [...args, at]);
  mounts.push(at);
}

const asRoot = () => {
  // Mounting a small tmpfs and a read-only bind mount needs root; CI runs as root. Skipping would hide the fault.
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and a read-only bind mount: run it as root (CI does)');
};

/** The refusal printed one line on stderr, and nothing else. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines, `stderr was:\n${stderr}`).toHaveLength(1);
  return lines[0] as string;
}

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
  seeded = path.join(dir, 'seeded');
  const d = await startDaemonProcess({ config, dataDir: seeded });
  d.child.kill('SIGTERM');
  await d.exited; // close-with-grace re-raises the signal once stopped
  // The registry changes afterwards, so a start that synced it would write rows.
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    `${readFileSync(path.join(dir, 'centers.yaml'), 'utf8')}- id: center-b\n  name: Center B\n  kind: rehabilitation_center\n  channels:\n    - type: website\n      value: "${site.url('center-b.example.kz', '/')}"\n`,
  );
}, 60_000);

afterAll(async () => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m]);
    } catch {
      // already gone
    }
  }
  await site?.close();
  cleanup?.();
});

describe('one daemon per data folder', () => {
  let a: RunningDaemon | null = null;
  afterAll(() => {
    if (a && a.child.exitCode === null) a.child.kill('SIGKILL');
  });

  test('a second daemon is refused with exit 75, naming the folder and the running pid; read-only CLI commands still work; after kill -9 the next start runs', async () => {
    const dataDir = path.join(dir, 'one');
    copySeeded(dataDir);
    a = await startDaemonProcess({ config, dataDir });
    const lockFile = path.join(dataDir, 'reachwatch.lock');
    const lockBefore = existsSync(lockFile) ? readFileSync(lockFile) : null;

    const port = await freePort();
    const second = await runDaemonExpectingExit({ REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: dataDir, PORT: String(port) });
    expect(second.code).toBe(75);
    const line = oneLine(second.stderr);
    expect(line).toContain(dataDir);
    expect(line).toContain(`pid ${a.child.pid}`);
    // It changed nothing: never listened, and the holder's record is A's, byte for byte.
    expect(await portOpen(port)).toBe(false);
    expect(lockBefore && readFileSync(lockFile).equals(lockBefore)).toBe(true);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);

    // Reading beside the daemon works; a writer that would rewrite the chain (prune) waits its turn.
    const env = { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: dataDir };
    const verify = await runBin(['verify'], env);
    expect(verify.status, verify.stderr).toBe(0);
    const exported = await runBin(['export', '--from', '2020-01-01', '--to', '2100-01-01', '--out', path.join(dir, 'bundle')], env);
    expect(exported.status, exported.stderr).toBe(0);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const report = await runBin(['report', '--from', day(-30), '--to', day(1)], env);
    expect(report.status, report.stderr).toBe(0);
    const prune = await runBin(['prune', '--older-than', '365d'], env);
    expect(prune.status).toBe(75);
    expect(oneLine(prune.stderr)).toContain(`pid ${a.child.pid}`);

    // kill -9 leaves the lock file behind; the kernel dropped the lock with the process.
    a.child.kill('SIGKILL');
    await a.exited;
    const c = await startDaemonProcess({ config, dataDir });
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
    c.child.kill('SIGTERM');
    await c.exited;
    expect(processAlive(c.child.pid as number)).toBe(false);
  }, 90_000);
});

describe('the API socket bound before the database is opened', () => {
  test("serves with Fastify's server settings: connections kept alive 72 s, longer than a load balancer's idle timeout", async () => {
    const dataDir = path.join(dir, 'socket');
    copySeeded(dataDir);
    const d = await startDaemonProcess({ config, dataDir });
    try {
      // Node's own default is 5 s: a proxy reusing a connection idle for longer gets it closed under it (502s).
      const r = await fetch(`${d.url}/healthz`);
      expect(r.status).toBe(200);
      expect(r.headers.get('keep-alive')).toBe('timeout=72');
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }, 60_000);
});

describe('start-up failures: one line, a documented exit code, nothing written', () => {
  const env = (dataDir: string, extra: Record<string, string> = {}) => ({ REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: dataDir, ...extra });

  test('the port already in use: exit 75 naming PORT, and the registry is not synced', async () => {
    const dataDir = path.join(dir, 'port');
    copySeeded(dataDir);
    const before = dbHash(dataDir);
    const syncs = registrySyncs(dataDir);
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runDaemonExpectingExit(env(dataDir, { PORT: String(port) }));
      expect(r.code).toBe(75);
      const line = oneLine(r.stderr);
      expect(line).toContain(`PORT=${port}`);
      expect(line).toMatch(/in use/);
    } finally {
      busy.close();
    }
    expect(registrySyncs(dataDir)).toBe(syncs);
    expect(dbHash(dataDir)).toBe(before);
  }, 60_000);

  test('an unresolvable HOST: exit 78 naming HOST, no database created', async () => {
    const dataDir = path.join(dir, 'host');
    // An empty label: the resolver refuses the name itself, so no DNS query leaves this machine.
    const r = await runDaemonExpectingExit(env(dataDir, { HOST: 'reachwatch..invalid', PORT: String(await freePort()) }));
    expect(r.code).toBe(78);
    expect(oneLine(r.stderr)).toMatch(/HOST=reachwatch\.\.invalid.*cannot be resolved/);
    expect(existsSync(path.join(dataDir, DB_FILE_NAME))).toBe(false);
  }, 60_000);

  test('LOG_LEVEL=loud: exit 78 naming LOG_LEVEL and the levels, no database created', async () => {
    const dataDir = path.join(dir, 'loud');
    const r = await runDaemonExpectingExit(env(dataDir, { LOG_LEVEL: 'loud', PORT: String(await freePort()) }));
    expect(r.code).toBe(78);
    expect(oneLine(r.stderr)).toMatch(/LOG_LEVEL=loud .*fatal, error, warn, info, debug, trace, silent/);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  test('a data folder path that is a file: exit 73 naming the path, the file untouched', async () => {
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, 'a file\n');
    const r = await runDaemonExpectingExit(env(file, { PORT: String(await freePort()) }));
    expect(r.code).toBe(73);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*not a folder`));
    expect(readFileSync(file, 'utf8')).toBe('a file\n');
  }, 60_000);

  test('a read-only disk: exit 73 naming the folder, the database unchanged', async () => {
    asRoot();
    const src = path.join(dir, 'ro-src');
    copySeeded(src);
    const ro = path.join(dir, 'ro');
    mkdirSync(ro);
    mount(['--bind', src], ro);
    execFileSync('mount', ['-o', 'remount,ro,bind', ro]);
    const before = dbHash(src);
    const r = await runDaemonExpectingExit(env(ro, { PORT: String(await freePort()) }));
    expect(r.code).toBe(73);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`${ro.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*cannot be written`));
    expect(dbHash(src)).toBe(before);
  }, 60_000);

  test('a full disk: exit 74 naming the folder, the database unchanged', async () => {
    asRoot();
    const full = path.join(dir, 'full');
    mkdirSync(full);
    mount(['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs'], full);
    const dataDir = path.join(full, 'data');
    copySeeded(dataDir);
    const syncs = registrySyncs(dataDir);
    // Fill every block that is left.
    const filler = path.join(full, 'filler');
    expect(() => writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024))).toThrow(/ENOSPC/);
    const before = dbHash(dataDir);
    const r = await runDaemonExpectingExit(env(dataDir, { PORT: String(await freePort()) }));
    expect(r.code).toBe(74);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`${dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*disk is full`));
    expect(dbHash(dataDir)).toBe(before);
    rmSync(filler); // a reader needs room for its shared-memory file
    expect(registrySyncs(dataDir)).toBe(syncs);
  }, 60_000);
});
