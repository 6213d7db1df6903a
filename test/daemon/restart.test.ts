// Stop the daemon mid-run (gracefully, and with kill -9), start it again, and check that no stored
// probe is lost and that no channel is probed in a burst after the restart.
//
// Spacing is judged on the times the scheduler promised and stored with each probe (`due_at`: the
// channel's slot plus its jitter), never on when requests happened to arrive: on a busy machine a
// probe that starts late makes the gap to the next one look short, though nothing came early.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const CHANNELS = 40;
const INTERVAL_MS = 3000;
const JITTER_MS = 100;
let site: LoopbackSite;
let dir: string;
let cleanup: () => void;
let config: string;
const dataDir = () => path.join(dir, 'data');
const hosts = Array.from({ length: CHANNELS }, (_, i) => `center-${i}.example.kz`);

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  // Each request takes 150 ms, so a stop always catches probes in flight.
  site = await startSite({ routes: { '*': page('<title>Center</title><p>open</p>', { delayMs: 150 }) } });
  const registry = hosts
    .map((h, i) => `- id: center-${i}\n  name: Center ${i}\n  kind: rehabilitation_center\n  channels:\n    - type: website\n      value: "${site.url(h, '/')}"\n`)
    .join('');
  writeFileSync(path.join(dir, 'centers.yaml'), registry);
  config = writeConfig(
    dir,
    `registry: {file: centers.yaml, watch: false}
scheduler: {defaults: {website: ${INTERVAL_MS}ms}, jitter: ${JITTER_MS}ms}
website: {resolve: {${hosts.map((h) => `"${h}": 127.0.0.1`).join(', ')}}, total_timeout: 5s}
status: {confirmations: 2}
canaries: {urls: []}
store: {flush_interval: 50ms}
`,
  );
});

afterAll(async () => {
  await site.close();
  cleanup();
});

interface StoredProbe {
  id: number;
  channel: string;
  due_at: number;
  started_at: number;
}

function storedProbes(): StoredProbe[] {
  const db = new Database(path.join(dataDir(), DB_FILE_NAME), { readonly: true });
  try {
    return db.prepare('SELECT p.id, c.id AS channel, p.due_at, p.started_at FROM probes p JOIN channels c ON c.ref = p.channel_ref ORDER BY p.id').all() as StoredProbe[];
  } finally {
    db.close();
  }
}

function storedProbesIfAny(): StoredProbe[] {
  try {
    return storedProbes();
  } catch {
    return []; // no database yet
  }
}

function byChannel(probes: StoredProbe[]): Map<string, StoredProbe[]> {
  const m = new Map<string, StoredProbe[]>();
  for (const p of probes) m.set(p.channel, [...(m.get(p.channel) ?? []), p]);
  return m;
}

/** Waits until every channel has `n` probes stored with an id above `afterId`: the daemon is mid-run. */
async function everyChannelProbed(n: number, afterId: number): Promise<StoredProbe[]> {
  return until(
    `${n} stored probes of each of the ${CHANNELS} channels`,
    () => {
      const fresh = storedProbesIfAny().filter((p) => p.id > afterId);
      const per = byChannel(fresh);
      return per.size === CHANNELS && [...per.values()].every((ps) => ps.length >= n) && fresh;
    },
    60_000,
  );
}

async function runAndStop(how: 'SIGTERM' | 'SIGKILL', afterId: number): Promise<{ before: StoredProbe[]; daemon: RunningDaemon }> {
  const daemon = await startDaemonProcess({ config, dataDir: dataDir() });
  // Probes committed so far, read while the daemon runs (WAL lets a reader in).
  await everyChannelProbed(2, afterId);
  const before = storedProbes();
  daemon.child.kill(how);
  await daemon.exited;
  return { before, daemon };
}

/**
 * The no-burst property, on the stored promises: a run started after `startedAt` promised no time
 * before its own start (missed slots are not replayed), no probe started before its promised time,
 * and no two probes of a channel were promised closer than the interval minus the jitter.
 */
function expectNoBurst(all: StoredProbe[], run: { startedAt: number; afterId: number }): void {
  for (const p of all) expect(p.started_at, `probe ${p.id} of ${p.channel} started before it was due`).toBeGreaterThanOrEqual(p.due_at);
  for (const p of all.filter((x) => x.id > run.afterId)) expect(p.due_at, `probe ${p.id} of ${p.channel} replays a slot from before the restart`).toBeGreaterThanOrEqual(run.startedAt);
  for (const [channel, ps] of byChannel(all)) {
    const due = ps.map((p) => p.due_at).sort((a, b) => a - b);
    for (let i = 1; i < due.length; i++) expect(due[i]! - due[i - 1]!, `${channel}: probes due at ${due[i - 1]} and ${due[i]}`).toBeGreaterThanOrEqual(INTERVAL_MS - JITTER_MS);
  }
}

describe('restart', () => {
  test.each(['SIGTERM', 'SIGKILL'] as const)('after %s no stored probe is lost and no channel is probed in a burst', async (signal) => {
    const atStart = storedProbesIfAny();
    const probesAtStart = atStart.length;
    const requestsAtStart = site.requests.length;
    const firstRunAt = Date.now();
    const { before } = await runAndStop(signal, atStart.at(-1)?.id ?? 0);
    expect(before.length - probesAtStart).toBeGreaterThanOrEqual(2 * CHANNELS);

    const afterStop = storedProbes();
    // Every probe that was committed while it ran is still there, unchanged.
    const ids = new Set(afterStop.map((p) => p.id));
    for (const p of before) expect(ids.has(p.id)).toBe(true);
    const requested = site.requests.length - requestsAtStart;
    const stored = afterStop.length - probesAtStart;
    if (signal === 'SIGTERM') {
      // A graceful stop lets probes in flight finish and flushes them: one stored probe per request seen.
      expect(stored).toBe(requested);
    } else {
      // kill -9 may lose only what was not yet committed: at most the last flush window's worth.
      expect(stored).toBeLessThanOrEqual(requested);
      expect(stored).toBeGreaterThanOrEqual(before.length - probesAtStart);
    }

    const lastIdBeforeRestart = afterStop.at(-1)?.id ?? 0;
    const restartedAt = Date.now();
    const again = await startDaemonProcess({ config, dataDir: dataDir() });
    // Two probes of every channel after the restart: the first shows the step over the restart, the second the rhythm.
    await everyChannelProbed(2, lastIdBeforeRestart);
    again.child.kill('SIGTERM');
    await again.exited;

    const all = storedProbes();
    expectNoBurst(all.filter((p) => p.id <= lastIdBeforeRestart), { startedAt: firstRunAt, afterId: atStart.at(-1)?.id ?? 0 });
    expectNoBurst(all, { startedAt: restartedAt, afterId: lastIdBeforeRestart });
    // And the start is spread: no 250 ms window of promised times after the restart holds a third of the channels.
    const firstAfter = [...byChannel(all.filter((p) => p.id > lastIdBeforeRestart)).values()].map((ps) => Math.min(...ps.map((p) => p.due_at))).sort((a, b) => a - b);
    expect(firstAfter).toHaveLength(CHANNELS);
    let maxWindow = 0;
    for (let i = 0, j = 0; i < firstAfter.length; i++) {
      while (firstAfter[i]! - firstAfter[j]! > 250) j++;
      maxWindow = Math.max(maxWindow, i - j + 1);
    }
    expect(maxWindow).toBeLessThan(CHANNELS / 3);
    // Still nothing lost after the second run.
    const final = new Set(all.map((p) => p.id));
    for (const p of afterStop) expect(final.has(p.id)).toBe(true);
  }, 180_000);
});
