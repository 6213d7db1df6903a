// Our failure is not their failure, through the real daemon (src/main.ts as a child process): a SIP
// trunk that is down, or that refuses our credentials, makes every SIP call our own `error`; no
// channel and no center changes status, however many calls fail. The short code 114 is dialled
// through the trunk (it has one), and the E.164 number beside it too.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freeUdpPort, startCallee, type Callee } from '../../simulators/sip/callee.ts';
import { MAIN, NODE, startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const REGISTRY = `- id: a
  name: Center A
  kind: rehabilitation_center
  tz_iana: Asia/Almaty
  channels:
    - {type: phone, value: "+77172000101", methods: [sip]}
- id: hotline
  name: Hotline
  kind: hotline
  tz_iana: Asia/Almaty
  channels:
    - {type: phone, value: "114", methods: [sip]}
`;

const config = (proxy: string) => `
registry: {file: centers.yaml, watch: false}
scheduler: {defaults: {sip: 2s}, jitter: 10ms}
status: {confirmations: 2}
store: {flush_interval: 20ms}
telephony:
  calling_hours: {days: [1, 2, 3, 4, 5, 6, 7], from: "00:00", to: "23:59"}
  per_number: {per_day: 100, per_week: 700}
  monthly_spend_cap: 1000
sip:
  proxy: "${proxy}"
  name: test-trunk
  listen: "127.0.0.1:0"
  interface: "127.0.0.1"
  ring_timeout: 2s
  listen_after_answer: 1s
  menu_wait: 2s
`;

interface CenterBody {
  status: string;
  channels: { id: string; status: string; lastOutcome: string | null; lastReason: string | null }[];
}

const running: RunningDaemon[] = [];
const callees: Callee[] = [];
const cleanups: (() => void)[] = [];

afterAll(async () => {
  for (const d of running) {
    d.child.kill('SIGTERM');
    await d.exited;
  }
  await Promise.all(callees.map((c) => c.stop()));
  cleanups.forEach((c) => c());
});

async function daemonWithTrunk(proxy: string, password: string): Promise<RunningDaemon> {
  const t = tempDir('reachwatch-sipd-');
  cleanups.push(t.remove);
  writeFileSync(path.join(t.dir, 'centers.yaml'), REGISTRY);
  mkdirSync(path.join(t.dir, 'data'));
  const d = await startDaemonProcess({
    config: writeConfig(t.dir, config(proxy)),
    dataDir: path.join(t.dir, 'data'),
    env: { REACHWATCH_SIP_USER: 'reachwatch', REACHWATCH_SIP_PASSWORD: password },
  });
  running.push(d);
  return d;
}

async function center(d: RunningDaemon, id: string): Promise<CenterBody> {
  const res = await fetch(`${d.url}/api/v1/centers/${id}`);
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as CenterBody;
}

const probes = async (d: RunningDaemon, channel: string) =>
  ((await (await fetch(`${d.url}/api/v1/channels/${channel}/probes?limit=100`)).json()) as { probes: { outcome: string; reason: string; evidence: { method: string; number: string; trunkResponded: boolean } }[] }).probes;

/** As many failed calls per channel as a status needs (confirmations: 2), then nothing has moved. */
async function expectOurErrorOnly(d: RunningDaemon, reason: string): Promise<void> {
  for (const id of ['a', 'hotline']) {
    const ch = (await center(d, id)).channels[0]!;
    await until(`two SIP calls of ${ch.id}`, async () => (await probes(d, ch.id)).length >= 2, 60_000);
    const stored = await probes(d, ch.id);
    expect(stored.map((p) => [p.outcome, p.reason, p.evidence.method])).toEqual(stored.map(() => ['error', reason, 'sip']));
    const after = await center(d, id);
    expect(after.channels[0]).toMatchObject({ status: 'unknown', lastOutcome: 'error', lastReason: reason });
    expect(after.status).not.toMatch(/dark|unreachable|partly/);
  }
  expect((await probes(d, 'hotline--phone-114'))[0]!.evidence.number).toBe('114');
}

describe.concurrent('a trunk that fails is our failure', () => {
  test('a trunk that is down: every call is our error, no status changes', async () => {
    const d = await daemonWithTrunk(`127.0.0.1:${await freeUdpPort()}`, 'right');
    await expectOurErrorOnly(d, 'trunk_unreachable');
  }, 90_000);

  test('a trunk that refuses our credentials: every call is our error, no status changes', async () => {
    const c = await startCallee({ scenario: 'digest-auth', values: { user: 'reachwatch', password: 'right', code: '404', reason: 'Not Found', cause: '1', text: 'Unallocated number' } });
    callees.push(c);
    const d = await daemonWithTrunk(c.proxy, 'wrong');
    await expectOurErrorOnly(d, 'trunk_auth');
  }, 90_000);
});

test('a trunk is configured but baresip is not installed: the daemon refuses to start with a sentence (exit 78), before it creates its data folder', () => {
  const t = tempDir('reachwatch-sipd-');
  cleanups.push(t.remove);
  writeFileSync(path.join(t.dir, 'centers.yaml'), REGISTRY);
  const cfg = writeConfig(t.dir, `${config('127.0.0.1:5060')}  baresip: /opt/nowhere/baresip\n`);
  const data = path.join(t.dir, 'data');
  const r = spawnSync(NODE, [MAIN], { env: { ...process.env, REACHWATCH_CONFIG: cfg, REACHWATCH_DATA_DIR: data, REACHWATCH_SIP_USER: 'reachwatch', PORT: '0', HOST: '127.0.0.1' }, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  expect(r.status, r.stderr).toBe(78);
  expect(r.stderr).toMatch(/sip\.baresip: \/opt\/nowhere\/baresip cannot be run \(ENOENT\).*apt-get install baresip-core/);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(existsSync(data)).toBe(false);
}, 40_000);
