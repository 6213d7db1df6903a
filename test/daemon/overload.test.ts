// Our overload is not their failure: the real daemon (in this process, so a busy loop here starves it)
// probes a healthy site; probes whose deadline we ourselves missed are stored as error/our_overload,
// and the confirmed status of the channel does not move.

import path from 'node:path';
import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OUR_DELAY_FLOOR_MS, OUR_DELAY_SHARE } from '../../src/classifier/website.ts';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';

let site: LoopbackSite;
let daemon: Daemon;
let cleanup: () => void;
/** The daemon's warnings and errors, as the operator's log would show them. */
const logs: { msg: string; probes?: number }[] = [];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  // A first byte after 300 ms keeps a probe in flight most of each second, so a stall can land inside one.
  site = await startSite({ routes: { 'healthy.example.kz/*': page('<title>Open</title>', { delayMs: 300 }) } });
  writeFileSync(
    path.join(t.dir, 'centers.yaml'),
    `- id: healthy-center\n  name: Healthy center\n  kind: crisis_center\n  channels:\n    - {type: website, value: "${site.url('healthy.example.kz', '/')}"}\n`,
  );
  const config = buildConfig(
    {
      registry: { file: 'centers.yaml', watch: false },
      scheduler: { defaults: { website: '1s' }, jitter: '10ms' },
      website: { resolve: { 'healthy.example.kz': '127.0.0.1' }, headers_timeout: '800ms', total_timeout: '1s' },
      status: { confirmations: 2 },
      canaries: { urls: [] },
      store: { flush_interval: '20ms' },
    },
    { PORT: '0', REACHWATCH_DATA_DIR: path.join(t.dir, 'data') },
    null,
    (k) => k.join('.'),
    t.dir,
  );
  daemon = await startDaemon(config, pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string }) }));
});

afterAll(async () => {
  await daemon.stop();
  await site.close();
  cleanup();
});

interface ChannelView {
  id: string;
  status: string;
}
interface ProbeView {
  outcome: string;
  reason: string;
  evidence: { hops: { error?: { lateMs?: number; limitMs?: number } }[]; loop?: { stalledMs: number } };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${url}: ${JSON.stringify(body)}`);
  return body as T;
}

const channel = async (): Promise<ChannelView> => {
  const body = await getJson<{ channels: ChannelView[] }>(`${daemon.url}/api/v1/centers/healthy-center`);
  const ch = body.channels[0];
  if (!ch) throw new Error('the center has no channel');
  return ch;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nothing of ours runs for `ms`: the daemon's timers, its sockets and the site's alike. */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** Waits for a request to reach the site, i.e. a probe in flight waiting for its 300 ms answer. */
async function probeInFlight(): Promise<void> {
  const seen = site.requests.length;
  const until = Date.now() + 10_000;
  while (site.requests.length === seen) {
    if (Date.now() > until) throw new Error('no probe reached the site within 10 s');
    await new Promise((r) => setImmediate(r));
  }
}

/** A probe that one of the test's 2 s stalls overran: its deadline fired late, our loop stalled past its 1 s limit. */
const stalledOver = (p: ProbeView): boolean => (p.evidence.hops.at(-1)?.error?.lateMs ?? 0) > 500 && (p.evidence.loop?.stalledMs ?? 0) > 1000;

test('a starved daemon records our_overload for a healthy site and its confirmed status stays reachable', async () => {
  for (let until = Date.now() + 30_000; (await channel()).status !== 'reachable'; await sleep(100)) {
    if (Date.now() > until) throw new Error('the healthy site was never confirmed reachable within 30 s');
  }
  const { id } = await channel();

  // Three stalls of 2 s, each beginning while a probe waits for the site: twice its 1 s total limit.
  for (let i = 0; i < 3; i++) {
    await probeInFlight();
    blockLoop(2000);
    await sleep(300);
  }
  // Until the probes that the stalls ended are committed (however slowly the machine runs them).
  const history = async () => (await getJson<{ probes: ProbeView[] }>(`${daemon.url}/api/v1/channels/${id}/probes?limit=100`)).probes;
  let probes = await history();
  for (let until = Date.now() + 20_000; !probes.some(stalledOver) && Date.now() < until; probes = await history()) await sleep(200);

  // The site itself never failed, and nothing stored says it did.
  expect(probes.filter((p) => p.outcome !== 'reachable' && p.reason !== 'our_overload').map((p) => `${p.outcome}/${p.reason}`)).toEqual([]);
  const ours = probes.filter((p) => p.reason === 'our_overload');
  expect(ours.length).toBeGreaterThanOrEqual(1);
  for (const p of ours) {
    expect(p.outcome).toBe('error');
    // The evidence says why: a deadline of ours ran out while our loop stalled or our timer fired late,
    // by at least the classifier's margin. (On a busy machine the process itself may be descheduled
    // for a while, so an our_overload probe need not be one of the stalls below.)
    const err = p.evidence.hops.at(-1)?.error;
    expect(err?.limitMs).toBeTypeOf('number');
    const delay = Math.max(err?.lateMs ?? 0, p.evidence.loop?.stalledMs ?? 0);
    expect(delay).toBeGreaterThanOrEqual(Math.max(OUR_DELAY_SHARE * (err?.limitMs ?? 0), OUR_DELAY_FLOOR_MS));
  }
  // At least one of them is a probe that our 2 s stalls overran: its deadline fired late and our loop
  // was stalled for longer than its 1 s limit.
  expect(ours.filter(stalledOver).length, JSON.stringify(ours.map((p) => [p.evidence.hops.at(-1)?.error, p.evidence.loop]))).toBeGreaterThanOrEqual(1);
  expect((await channel()).status).toBe('reachable');
  const changes = await getJson<{ changes: { to: string }[] }>(`${daemon.url}/api/v1/channels/${id}/status-changes`);
  expect(changes.changes.map((c) => c.to)).toEqual(['reachable']);
  // The operator is told, once (the stalls all fell within a minute) and with a count.
  const told = logs.filter((l) => /overloaded/.test(l.msg));
  expect(told).toHaveLength(1);
  expect(told[0]?.probes).toBeGreaterThanOrEqual(1);
}, 90_000);
