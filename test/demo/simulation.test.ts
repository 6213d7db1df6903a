// The 2018 experiment, replayed against its stand-ins: the default registry's websites served on
// loopback and its numbers answered by the local Twilio-protocol server, each behaving as the thesis
// reports; the real daemon probes them once, and each first outcome must be the class the researcher
// recorded. This is the agreement the demo shows (issue 7 builds the demo itself on demo/simulation.ts).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/config.ts';
import type { Daemon } from '../../src/daemon/daemon.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { demoRegistry } from '../../demo/registry.ts';
import { simulate, type SimulatedChannel } from '../../demo/simulation.ts';
import { startPhoneDaemon } from '../helpers/phone-daemon.ts';
import { page, reset, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startFakeTwilio, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const ACCOUNT = 'AC' + '0'.repeat(32);
const TOKEN = 'demo-token';
let site: LoopbackSite;
let twilio: FakeTwilio;
let daemon: Daemon;
let sims: SimulatedChannel[];
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  const registryFile = loadConfig({}, DEFAULT_CONFIG_FILE).registry.file;
  const registry = loadRegistry(registryFile);
  sims = simulate(registry.centers).channels;
  site = await startSite({ routes: { '*': page('<title>A listed page</title>') } });
  twilio = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 0.01 });
  for (const s of sims) {
    if (s.call) twilio.script(s.channel.target as string, s.call);
    if (s.website) {
      const u = new URL(s.channel.target as string);
      site.route(`${u.hostname}/*`, s.website === 'page' ? page('<title>Центр помощи</title><p>Консультации</p>') : s.website === 'reset' ? reset() : page('Not Found', { status: 404 }));
    }
  }
  // The registry as it is, but every website probed on the loopback site, so nothing real is ever contacted.
  const reg = demoRegistry(registryFile, registry.centers, sims, site.port);
  const copy = path.join(t.dir, 'centers.yaml');
  writeFileSync(copy, reg.text);
  const resolve = reg.resolve;

  ({ daemon } = await startPhoneDaemon({
    dir: t.dir,
    fake: twilio,
    config: {
      registry: { file: copy, watch: false },
      scheduler: { defaults: { website: '2s', call: '2s' }, jitter: '10ms' },
      website: { resolve, total_timeout: '3s' },
    },
    telephony: { per_number: { per_day: 50, per_week: 300 }, time_limit: undefined },
  }));
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await site?.close();
  await twilio?.close();
  cleanup?.();
});

test('every channel the 2018 researcher tried is classified as she recorded it', async () => {
  expect(sims.length).toBeGreaterThanOrEqual(25);
  // The first probe that judged the channel: one that our own overload cut short (a busy machine can
  // deschedule the daemon past a deadline) says nothing about it, and the next probe comes 2 s later.
  const first = daemon.db.prepare<[string], { outcome: string; reason: string }>(
    `SELECT outcome, reason FROM probes WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?) AND reason <> 'our_overload' ORDER BY id LIMIT 1`,
  );
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && sims.some((s) => !first.get(s.channel.id))) await new Promise((r) => setTimeout(r, 250));
  const rows = sims.map((s) => {
    const got = first.get(s.channel.id);
    return { channel: s.channel.id, expected: s.expected, got: got ? `${got.outcome} (${got.reason})` : 'not probed' };
  });
  const disagreements = rows.filter((r) => !r.got.startsWith(`${r.expected} `));
  expect(disagreements).toEqual([]);
}, 60_000);
