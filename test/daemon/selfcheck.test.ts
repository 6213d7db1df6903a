// Our failure is not their failure: when the canaries fail too, a dead-looking center is recorded
// as an error on our side and its status does not move.

import path from 'node:path';
import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { page, refusedPort, reset, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

let site: LoopbackSite;
let daemon: Daemon;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  site = await startSite({ routes: { 'canary.test/*': reset() } });
  const dead = await refusedPort();
  writeFileSync(
    path.join(t.dir, 'centers.yaml'),
    `- id: dead-center\n  name: Dead center\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "http://dead.example.kz:${dead}/"}\n`,
  );
  const config = buildConfig(
    {
      registry: { file: 'centers.yaml', watch: false },
      scheduler: { defaults: { website: '1s' }, jitter: '10ms' },
      website: { resolve: { 'dead.example.kz': '127.0.0.1', 'canary.test': '127.0.0.1' }, total_timeout: '2s' },
      status: { confirmations: 2 },
      canaries: { urls: [site.url('canary.test', '/')], max_age: '200ms' },
      store: { flush_interval: '20ms' },
    },
    { PORT: '0', REACHWATCH_DATA_DIR: path.join(t.dir, 'data') },
    null,
    (k) => k.join('.'),
    t.dir,
  );
  daemon = await startDaemon(config, pino({ level: 'silent' }));
});

afterAll(async () => {
  await daemon.stop();
  await site.close();
  cleanup();
});

const channel = async () => {
  const res = await fetch(`${daemon.url}/api/v1/centers/dead-center`);
  const raw = await res.json();
  if (!res.ok) throw new Error(JSON.stringify(raw));
  const body = raw as { channels: { id: string; status: string; lastOutcome: string | null; lastReason: string | null }[] };
  return body.channels[0];
};

/** Probes of the channel stored so far, newest first. */
const probes = async (id: string) =>
  ((await (await fetch(`${daemon.url}/api/v1/channels/${id}/probes?limit=100`)).json()) as { probes: { id: number; outcome: string; evidence: { canary: { ok: boolean } } }[] }).probes;

test('canaries down: failures are our errors and change no status; canaries up: the outage is confirmed', async () => {
  // More failed attempts than the confirmations a status needs, however slowly the machine runs them.
  const id = (await until('the channel', channel)).id;
  await until('three failed probes while the canaries are down', async () => (await probes(id)).length >= 3, 30_000);
  const during = await channel();
  expect(during?.lastOutcome).toBe('error');
  expect(during?.lastReason).toBe('our_network');
  expect(during?.status).toBe('unknown');
  const ready = (await (await fetch(`${daemon.url}/readyz`)).json()) as { checks: { canaries: string } };
  expect(ready.checks.canaries).toMatch(/^failing/);
  // The stored evidence says why: the canary verdict is part of it, so the outcome can be recomputed.
  const stored = await probes(id);
  expect(stored.map((p) => [p.outcome, p.evidence.canary.ok])).toEqual(stored.map(() => ['error', false]));

  site.route('canary.test/*', page('ok'));
  await until('the outage confirmed once the canaries are up', async () => (await channel())?.status === 'unavailable', 30_000);
  const after = await channel();
  expect(after?.lastOutcome).toBe('unavailable');
  expect(after?.status).toBe('unavailable');
}, 75_000);
