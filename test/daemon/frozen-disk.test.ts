// A frozen disk, for real: the daemon's data folder is an ext4 file system on a loop device that the
// kernel freezes (fsfreeze -f), so every write the daemon makes there blocks inside a system call, as
// on a hung volume or a snapshot that takes too long. The daemon (src/main.ts, as in production) must
// still answer /healthz and /readyz within a second, /readyz must say not ready naming the stalled
// write once it has waited longer than store.stall_after, and after the thaw it must be ready again
// with every probe it had stored still there and new ones added.
//
// Safety first: a process touching a frozen mount blocks in the kernel (state D) and cannot be killed
// until the file system is thawed. This test never touches the mount while it is frozen; a detached
// watchdog thaws it after WATCHDOG_S even if this process dies; afterAll thaws, stops the daemon,
// unmounts and detaches the loop device, each step bounded by a timeout.

import Database from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { which } from '../helpers/toolpath.ts';
import { until } from '../helpers/wait.ts';

const CHANNELS = 5;
/** Each answer's own bound: what a load balancer or Docker's HEALTHCHECK waits for. */
const ANSWER_MS = 1000;
const FREEZE_MS = 8000;
const STALL_AFTER_MS = 2000;
/** The watchdog thaws the mount by itself this long after the freeze, whatever happens to this process. */
const WATCHDOG_S = 40;

const TOOLS = ['mount', 'umount', 'losetup', 'fsfreeze', 'mkfs.ext4'];
function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'it mounts a loop device and freezes it, which needs root (CI runs as root)';
  const missing = TOOLS.filter((t) => !which(t) && !existsSync(`/usr/sbin/${t}`) && !existsSync(`/sbin/${t}`));
  if (missing.length > 0) return `${missing.join(', ')} not installed (util-linux, e2fsprogs; see system-packages.txt)`;
  if (!existsSync('/dev/loop-control')) return 'this machine has no loop devices (/dev/loop-control is missing)';
  return null;
}
const skipReason = whyNot();
if (skipReason) console.warn(`test/daemon/frozen-disk.test.ts skipped: ${skipReason}`);

let dir: string;
let removeDir: () => void;
let image: string;
let mnt: string;
let mounted = false;
let site: LoopbackSite | null = null;
let daemon: RunningDaemon | null = null;
let watchdog: ChildProcess | null = null;

/** Runs a system command with a bound on its time; returns whether it succeeded. */
function sh(cmd: string, args: string[], timeoutMs = 20_000): boolean {
  try {
    execFileSync(cmd, args, { timeout: timeoutMs, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const thaw = () => sh('fsfreeze', ['-u', mnt], 10_000); // fails harmlessly when not frozen

interface Answer {
  at: number;
  ms: number;
  status: number;
  body: { ready?: boolean; checks?: Record<string, string>; status?: string } | null;
}

/** One request with how long it took; a request that does not answer within 5 s counts as 5 s. */
async function timed(url: string): Promise<Answer> {
  const at = performance.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await r.json()) as Answer['body'];
    return { at, ms: performance.now() - at, status: r.status, body };
  } catch {
    return { at, ms: 5000, status: 0, body: null };
  }
}

/** Read only while the mount is not frozen. */
function probes(dataDir: string): { count: number; ids: number[] } {
  const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    const ids = (db.prepare('SELECT id FROM probes ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    return { count: ids.length, ids };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  if (skipReason) return;
  const t = tempDir();
  dir = t.dir;
  removeDir = t.remove;
  image = path.join(dir, 'disk.img');
  mnt = path.join(dir, 'mnt');
  mkdirSync(mnt);
  writeFileSync(image, '');
  truncateSync(image, 64 * 1024 * 1024);
  execFileSync('mkfs.ext4', ['-q', '-F', image], { timeout: 30_000 });
  execFileSync('mount', ['-o', 'loop', image, mnt], { timeout: 30_000 });
  mounted = true;

  site = await startSite({ routes: { '*': page('<title>Center</title><p>open</p>') } });
  const hosts = Array.from({ length: CHANNELS }, (_, i) => `center-${i}.example.kz`);
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    hosts.map((h, i) => `- id: center-${i}\n  name: Center ${i}\n  kind: rehabilitation_center\n  channels:\n    - type: website\n      value: "${site?.url(h, '/')}"\n`).join(''),
  );
  const config = writeConfig(
    dir,
    `registry: {file: centers.yaml, watch: false}
scheduler: {defaults: {website: 1s}, jitter: 100ms}
website: {resolve: {${hosts.map((h) => `"${h}": 127.0.0.1`).join(', ')}}, total_timeout: 5s}
canaries: {urls: []}
store: {flush_interval: 50ms, stall_after: ${STALL_AFTER_MS}ms}
`,
  );
  daemon = await startDaemonProcess({ config, dataDir: path.join(mnt, 'data') });
}, 120_000);

afterAll(async () => {
  if (skipReason) return;
  // Thaw first: nothing below can finish while the mount is frozen.
  if (mounted) thaw();
  if (watchdog?.pid && watchdog.exitCode === null) {
    try {
      process.kill(-watchdog.pid, 'SIGKILL'); // its own process group: the sleep and the shell
    } catch {
      // already gone
    }
  }
  if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
    daemon.child.kill('SIGTERM');
    const timer = setTimeout(() => daemon?.child.kill('SIGKILL'), 20_000);
    await daemon.exited;
    clearTimeout(timer);
  }
  await site?.close();
  if (mounted && !sh('umount', [mnt], 30_000)) sh('umount', ['-l', mnt], 30_000);
  // mount -o loop detaches on umount; a device left attached to the image is detached here.
  if (image) {
    const attached = (() => {
      try {
        return execFileSync('losetup', ['-j', image], { timeout: 10_000, encoding: 'utf8' });
      } catch {
        return '';
      }
    })();
    for (const line of attached.split('\n')) {
      const dev = line.split(':')[0];
      if (dev) sh('losetup', ['-d', dev], 10_000);
    }
  }
  removeDir?.();
}, 120_000);

describe.skipIf(skipReason !== null)('a frozen file system under the data folder', () => {
  test('/healthz and /readyz answer within a second during the freeze; /readyz names the stalled write, then recovers with nothing lost', async () => {
    const d = daemon as RunningDaemon;
    const dataDir = path.join(mnt, 'data');
    await until('probes to be stored', () => probes(dataDir).count >= 2 * CHANNELS, 60_000);
    await until('ready', async () => (await timed(`${d.url}/readyz`)).status === 200, 30_000);
    const before = probes(dataDir);

    // The watchdog: a detached shell in its own process group that thaws the mount on its own.
    watchdog = spawn('sh', ['-c', `sleep ${WATCHDOG_S}; fsfreeze -u '${mnt}'`], { detached: true, stdio: 'ignore' });
    watchdog.unref();
    const answers: { healthz: Answer; readyz: Answer }[] = [];
    execFileSync('fsfreeze', ['-f', mnt], { timeout: 10_000 });
    const frozenAt = performance.now();
    try {
      while (performance.now() - frozenAt < FREEZE_MS) {
        const [healthz, readyz] = await Promise.all([timed(`${d.url}/healthz`), timed(`${d.url}/readyz`)]);
        answers.push({ healthz, readyz });
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      expect(thaw(), 'fsfreeze -u').toBe(true);
    }

    const report = JSON.stringify(answers.map((a) => ({ t: Math.round(a.readyz.at - frozenAt), h: [a.healthz.status, Math.round(a.healthz.ms)], r: [a.readyz.status, Math.round(a.readyz.ms), a.readyz.body?.checks] })));
    expect(answers.length, report).toBeGreaterThan(5);
    // Each answer's own duration: a property of the answer, not of the spacing between them.
    for (const a of answers) {
      expect(a.healthz.status, report).toBe(200);
      expect(a.healthz.body?.status).toBe('ok');
      expect(a.healthz.ms, `GET /healthz during the freeze: ${report}`).toBeLessThan(ANSWER_MS);
      expect(a.readyz.ms, `GET /readyz during the freeze: ${report}`).toBeLessThan(ANSWER_MS);
      expect([200, 503], report).toContain(a.readyz.status);
      expect(Object.keys(a.readyz.body?.checks ?? {}).sort(), report).toEqual(['canaries', 'database', 'scheduler', 'telephony']);
    }
    // Once a write has waited past stall_after (plus a second's slack for a busy machine to reach the
    // daemon's next write), /readyz says not ready and names the stalled write.
    const late = answers.filter((a) => a.readyz.at - frozenAt > STALL_AFTER_MS + 1000);
    expect(late.length, report).toBeGreaterThan(0);
    for (const a of late) {
      expect(a.readyz.status, report).toBe(503);
      expect(a.readyz.body?.ready).toBe(false);
      expect(a.readyz.body?.checks?.database, report).toMatch(/^not writable: a write has waited [\d.]+ s for the disk \(store\.stall_after 2 s\)/);
    }

    // Thawed: ready again, every probe stored before the freeze still there, and new ones stored.
    await until('ready again after the thaw', async () => (await timed(`${d.url}/readyz`)).status === 200, 30_000);
    await until('probes stored after the thaw', () => probes(dataDir).count > before.count + CHANNELS, 30_000);
    const after = probes(dataDir);
    const kept = new Set(after.ids);
    expect(before.ids.filter((id) => !kept.has(id))).toEqual([]);

    // A clean stop: exit 0 and a database that checks out.
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(d.logs.some((l) => l.includes('reachwatch stopped'))).toBe(true);
    const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 180_000);
});
