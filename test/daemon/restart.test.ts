// Stop the daemon mid-run (gracefully, and with kill -9), start it again, and check that no stored
// probe is lost and that no channel is probed in a burst after the restart.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { page, startSite, type LoopbackSite } from '../helpers/sites.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHANNELS = 40;
const INTERVAL_MS = 3000;
let site: LoopbackSite;
let dir: string;
let cleanup: () => void;
let config: string;
const dataDir = () => path.join(dir, 'data');

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  // Each request takes 150 ms, so a stop always catches probes in flight.
  site = await startSite({ routes: { '*': page('<title>Center</title><p>open</p>', { delayMs: 150 }) } });
  const hosts = Array.from({ length: CHANNELS }, (_, i) => `center-${i}.example.kz`);
  const registry = hosts
    .map((h, i) => `- id: center-${i}\n  name: Center ${i}\n  kind: rehabilitation_center\n  channels:\n    - type: website\n      value: "${site.url(h, '/')}"\n`)
    .join('');
  writeFileSync(path.join(dir, 'centers.yaml'), registry);
  config = writeConfig(
    dir,
    `registry: {file: centers.yaml, watch: false}
scheduler: {defaults: {website: ${INTERVAL_MS}ms}, jitter: 100ms}
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

function storedProbes(): { id: number; channel: string; started_at: number }[] {
  const db = new Database(path.join(dataDir(), DB_FILE_NAME), { readonly: true });
  try {
    return db.prepare('SELECT p.id, c.id AS channel, p.started_at FROM probes p JOIN channels c ON c.ref = p.channel_ref ORDER BY p.id').all() as {
      id: number;
      channel: string;
      started_at: number;
    }[];
  } finally {
    db.close();
  }
}

function storedProbesIfAny(): ReturnType<typeof storedProbes> {
  try {
    return storedProbes();
  } catch {
    return []; // no database yet
  }
}

/** Request times per host, as the sites saw them. */
function hitsByHost(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of site.requests) m.set(r.host, [...(m.get(r.host) ?? []), r.at]);
  return m;
}

async function runAndStop(how: 'SIGTERM' | 'SIGKILL'): Promise<{ before: ReturnType<typeof storedProbes>; daemon: RunningDaemon }> {
  const daemon = await startDaemonProcess({ config, dataDir: dataDir() });
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 2 + 500));
  // Probes committed so far, read while the daemon runs (WAL lets a reader in).
  const before = storedProbes();
  daemon.child.kill(how);
  await daemon.exited;
  return { before, daemon };
}

describe('restart', () => {
  test.each(['SIGTERM', 'SIGKILL'] as const)('after %s no stored probe is lost and no channel is probed in a burst', async (signal) => {
    const probesAtStart = storedProbesIfAny().length;
    const requestsAtStart = site.requests.length;
    const { before } = await runAndStop(signal);
    expect(before.length).toBeGreaterThanOrEqual(CHANNELS);

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

    const restartedAt = Date.now();
    const again = await startDaemonProcess({ config, dataDir: dataDir() });
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 2));
    again.child.kill('SIGTERM');
    await again.exited;

    // No burst: after the restart each channel keeps its rhythm; no probe comes sooner than
    // (interval - jitter - timing slack) after that channel's previous request.
    const all = hitsByHost();
    let checked = 0;
    for (const [host, hits] of all) {
      const afterRestart = hits.filter((t) => t >= restartedAt);
      const lastBefore = hits.filter((t) => t < restartedAt).at(-1);
      if (afterRestart.length === 0 || lastBefore === undefined) continue;
      expect((afterRestart[0] as number) - lastBefore, host).toBeGreaterThan(INTERVAL_MS - 400);
      for (let i = 1; i < afterRestart.length; i++) expect(afterRestart[i]! - afterRestart[i - 1]!, host).toBeGreaterThan(INTERVAL_MS - 400);
      checked++;
    }
    expect(checked).toBeGreaterThan(CHANNELS / 2);
    // And the start is spread: no 250 ms window after the restart saw more than a third of the channels.
    const startTimes = [...all.values()].flat().filter((t) => t >= restartedAt).sort((a, b) => a - b);
    let maxWindow = 0;
    for (let i = 0, j = 0; i < startTimes.length; i++) {
      while (startTimes[i]! - startTimes[j]! > 250) j++;
      maxWindow = Math.max(maxWindow, i - j + 1);
    }
    expect(maxWindow).toBeLessThan(CHANNELS / 3);
    // Still nothing lost after the second run.
    const final = new Set(storedProbes().map((p) => p.id));
    for (const p of afterStop) expect(final.has(p.id)).toBe(true);
  }, 60_000);
});
