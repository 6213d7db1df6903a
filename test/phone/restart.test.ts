// Calls in flight survive a restart. A call is placed, the daemon goes away while it rings (a
// graceful stop, or kill -9 of the real process), the call ends while nobody listens (Twilio's
// callbacks to us fail), and the next daemon on the same port and data folder must fetch the call
// from Twilio, store exactly one probe for the attempt, and never dial it again.
//
// The fake runs in real time (timeScale 1) here: the call has to outlast the daemon's 5 s shutdown grace.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Config } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import type { CallEvidence } from '../../src/probers/phone/evidence.ts';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { fakeTwilioEnv, freePort, startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { phoneDaemonConfig, phoneDaemonSections } from '../helpers/phone-daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startFakeTwilio, type CallState, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const ACCOUNT = `AC${'3'.repeat(32)}`;
const TOKEN = 'test-auth-token-restart-00000001';

let fake: FakeTwilio;
const cleanups: (() => void)[] = [];
const daemons: Daemon[] = [];
const children: RunningDaemon[] = [];

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 1 });
});

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await Promise.all(daemons.map((d) => d.stop()));
  await fake?.close();
  for (const c of cleanups) c();
});

interface Setup {
  dir: string;
  dataDir: string;
  number: string;
  channel: string;
  port: number;
}

async function setup(name: string, number: string): Promise<Setup> {
  const t = tempDir(`reachwatch-restart-${name}-`);
  cleanups.push(t.remove);
  writeFileSync(path.join(t.dir, 'centers.yaml'), `- id: ${name}\n  name: ${name}\n  kind: rehabilitation_center\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "${number}"}\n`);
  return { dir: t.dir, dataDir: path.join(t.dir, 'data'), number, channel: `${name}--phone-${number.slice(1)}`, port: await freePort() };
}

/**
 * Where the telephony section departs from the phone daemon defaults. The first daemon calls every
 * 2 s; the one after the restart only weekly, so any second call in the test window could only come
 * from the restart itself. The daily cap is 3, so it would not hide such a call either.
 */
const TELEPHONY = {
  per_number: { per_day: 3, per_week: 10 },
  // Long enough that the first daemon never asks Twilio before it is stopped.
  ring_timeout: '30s',
  calls_per_second: 10,
  max_concurrent_calls: 10,
};

function config(s: Setup, callSchedule: string): Config {
  return phoneDaemonConfig({
    dir: s.dir,
    fake,
    port: s.port,
    dataDir: s.dataDir,
    telephony: TELEPHONY,
    config: { scheduler: { defaults: { website: '1h', lookup: '1h', call: callSchedule }, jitter: '10ms' } },
  });
}

function twilioEnv(s: Setup): Record<string, string> {
  return fakeTwilioEnv(fake, s.port);
}

async function inProcess(s: Setup, callSchedule: string): Promise<Daemon> {
  const d = await startDaemon(config(s, callSchedule), pino({ level: process.env.TEST_LOG ?? 'silent' }));
  daemons.push(d);
  expect(d.url).toBe(`http://127.0.0.1:${s.port}`);
  return d;
}

interface AttemptRow {
  id: string;
  call_sid: string | null;
  status: string;
  final_at: number | null;
  probe_id: number | null;
  started_at: number;
}

function read<T>(s: Setup, fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(s.dataDir, DB_FILE_NAME), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const attempts = (s: Setup): AttemptRow[] => read(s, (db) => db.prepare('SELECT id, call_sid, status, final_at, probe_id, started_at FROM call_attempts ORDER BY started_at').all() as AttemptRow[]);
const callProbes = (s: Setup) =>
  read(s, (db) =>
    db
      .prepare("SELECT p.id, p.outcome, p.reason, p.started_at, p.evidence FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE c.id = ? AND p.method = 'call' ORDER BY p.id")
      .all(s.channel) as { id: number; outcome: string; reason: string; started_at: number; evidence: string }[],
  );
const callsTo = (number: string): CallState[] => [...fake.calls.values()].filter((c) => c.to === number);

async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | null | false;
    try {
      v = fn();
    } catch {
      v = undefined; // e.g. the database file does not exist yet
    }
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the call rings at the fake and the daemon has recorded the ringing callback. */
async function ringing(s: Setup): Promise<{ call: CallState; attempt: AttemptRow }> {
  const call = await until('the call to ring', () => callsTo(s.number).find((c) => c.statusHistory.includes('ringing')));
  const attempt = await until('the attempt to record the ringing callback', () => attempts(s).find((a) => a.call_sid === call.sid && a.status === 'ringing'));
  return { call, attempt };
}

/** What daemon B stored for the call answered while no daemon ran, and what Twilio logged for it. */
let recovered: { outcome: string; reason: string; notifications: number[] } | null = null;

const fetchesOf = (sid: string, since: number) => fake.requests.filter((r) => r.operation === 'calls.fetch' && r.path.includes(sid) && r.at >= since);

describe('calls in flight survive a restart', () => {
  test('graceful stop while the call rings; it is answered while no daemon runs; the next daemon fetches and stores it once', async () => {
    const s = await setup('graceful-center', '+77172600001');
    // Picked up 12 s after dialling: after daemon A's 5 s shutdown grace, so our webhooks are gone by
    // then, with 7 s left for seeing it ring and starting the stop on a loaded machine.
    fake.script(s.number, { outcome: 'completed', answerAfter: 12_000, press: '1' });

    const a = await inProcess(s, '2s');
    const { call, attempt } = await ringing(s);
    const stopAt = Date.now();
    await a.stop();
    expect(Date.now() - stopAt).toBeGreaterThanOrEqual(4000); // it waited for the call, then gave up on it

    // The attempt stays open: no probe, no final status. The call is still ringing at Twilio.
    expect(call.status).toBe('ringing');
    expect(attempts(s)).toEqual([{ ...attempt, status: 'ringing', final_at: null, probe_id: null }]);
    expect(callProbes(s)).toEqual([]);

    // The call goes on without us: picked up, our menu cannot be fetched, it ends.
    const ended = await fake.waitForCall(call.sid, 'terminal', 20_000);
    expect(ended.status).toBe('completed');
    expect(ended.answerTime).not.toBeNull();
    const afterStop = ended.callbacks.filter((cb) => (cb.sentAt ?? 0) > stopAt && !cb.dropped);
    expect(afterStop.map((cb) => cb.kind)).toEqual(expect.arrayContaining(['twiml', 'status']));
    for (const cb of afterStop) expect(cb.status, `${cb.kind} ${cb.event ?? ''} reached a stopped daemon`).toBeNull();
    expect(ended.inputs).toEqual([]); // nobody heard the menu, so no key reached anyone

    // Daemon B: same port, same data folder.
    const bAt = Date.now();
    const b = await inProcess(s, '7d');
    await b.monitor.recovery;
    expect(fetchesOf(call.sid, bAt).length).toBeGreaterThanOrEqual(1);

    const probes = callProbes(s);
    expect(probes).toHaveLength(1);
    const probe = probes[0] as (typeof probes)[number];
    const ev = JSON.parse(probe.evidence) as CallEvidence & { attempt: string };
    expect(ev.attempt).toBe(attempt.id);
    expect(ev.callSid).toBe(call.sid);
    expect(ev.final).toMatchObject({ status: 'completed', source: 'fetch' });
    // The statuses A received are part of the same evidence as what B fetched.
    expect(ev.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['initiated', 'ringing', 'fetch']));
    // No key reached us, so the number cannot be "reachable" (confirmed) on this evidence.
    expect(ev.gathers).toEqual([]);
    expect(probe.outcome).not.toBe('reachable');
    recovered = { outcome: probe.outcome, reason: probe.reason, notifications: ended.notifications.map((n) => n.errorCode) };
    expect(probe.started_at).toBe(attempt.started_at);
    const [row] = attempts(s);
    expect(row).toMatchObject({ id: attempt.id, status: 'completed', probe_id: probe.id });
    expect(row?.final_at).not.toBeNull();

    // And it is never dialled again for that attempt.
    await new Promise((r) => setTimeout(r, 2500));
    expect(callsTo(s.number)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.operation === 'calls.create' && r.params.To === s.number)).toHaveLength(1);
    expect(attempts(s)).toHaveLength(1);
    expect(callProbes(s)).toHaveLength(1);
    await b.stop();
  }, 60_000);

  // telephony.md §1 row 30: when only our TwiML fetch failed (11200), the person heard "an application
  // error has occurred", not our menu: that is our error, not evidence about the center. Twilio's
  // record of the call (its Notifications) says so; an answered-and-silent verdict would count
  // against the center in its status streak.
  test('the call answered while our webhooks were down is not held against the center', () => {
    expect(recovered, 'the graceful-stop test stores this').not.toBeNull();
    expect(recovered?.notifications).toContain(11200);
    expect(recovered).toMatchObject({ outcome: 'error', reason: 'webhook_failed' });
  });

  test('kill -9 of the daemon process while the call rings: after the restart no call is lost', async () => {
    const s = await setup('killed-center', '+77172600002');
    // Busy after 8 s of ringing: long enough to kill the daemon first, even on a loaded machine; its
    // callback then finds nobody.
    fake.script(s.number, { outcome: 'busy', ringFor: 8000 });
    const yaml = JSON.stringify(phoneDaemonSections({ telephony: TELEPHONY })); // JSON is YAML
    const file = writeConfig(s.dir, yaml);
    const child = await startDaemonProcess({ config: file, dataDir: s.dataDir, env: { ...twilioEnv(s), PORT: String(s.port) } });
    children.push(child);
    const { call, attempt } = await ringing(s);
    const killedAt = Date.now();
    child.child.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');

    expect(call.status).toBe('ringing');
    expect(attempts(s)).toEqual([{ ...attempt, status: 'ringing', final_at: null, probe_id: null }]);
    expect(callProbes(s)).toEqual([]);

    const ended = await fake.waitForCall(call.sid, 'terminal', 20_000);
    expect(ended.status).toBe('busy');
    const finalCallback = ended.callbacks.find((cb) => cb.kind === 'status' && cb.event === 'completed');
    expect(finalCallback?.sentAt).toBeGreaterThan(killedAt);
    expect(finalCallback?.status).toBeNull(); // nobody was listening

    const bAt = Date.now();
    const b = await inProcess(s, '7d');
    await b.monitor.recovery;
    expect(fetchesOf(call.sid, bAt).length).toBeGreaterThanOrEqual(1);
    const probes = callProbes(s);
    expect(probes.map((p) => ({ outcome: p.outcome, reason: p.reason }))).toEqual([{ outcome: 'busy', reason: 'busy' }]);
    const ev = JSON.parse(probes[0]?.evidence ?? '{}') as CallEvidence & { attempt: string };
    expect(ev).toMatchObject({ attempt: attempt.id, callSid: call.sid, final: { status: 'busy', source: 'fetch' } });
    expect(attempts(s)).toEqual([expect.objectContaining({ id: attempt.id, status: 'busy', probe_id: probes[0]?.id })]);
    const status = (await (await fetch(`${b.url}/api/v1/centers/killed-center`)).json()) as { channels: { status: string }[] };
    expect(status.channels[0]?.status).toBe('busy');

    await new Promise((r) => setTimeout(r, 1500));
    expect(callsTo(s.number)).toHaveLength(1);
    expect(callProbes(s)).toHaveLength(1);
    await b.stop();
  }, 60_000);
});
