// Calls paced as the provider counts them: by when each calls.create *arrives*. Eight numbers fall due
// at the same instant for a daemon allowed 5 calls per second; the local Twilio-protocol server holds
// every other create back 200 ms before it arrives (a slow path to Twilio), and records when each one
// arrived. No two arrivals may be closer than 1/CPS = 200 ms, however the delays fall.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase } from '../../src/store/db.ts';
import { startPhoneDaemon } from '../helpers/phone-daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startFakeTwilio, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const ACCOUNT = `AC${'9'.repeat(32)}`;
const TOKEN = 'test-auth-token-call-pacing-0001';
const CPS = 5;
const DELAY_MS = 200;
const NUMBERS = Array.from({ length: 8 }, (_, i) => `+77172${String(300_000 + i + 1)}`);
const center = (i: number) => `pacing-${i}`;

let fake: FakeTwilio;
let daemon: Daemon;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 0.01 });
  NUMBERS.forEach((n, i) => {
    fake.script(n, { outcome: 'busy' });
    if (i % 2 === 0) fake.delayNext({ operation: 'calls.create', to: n, ms: DELAY_MS });
  });
  const file = path.join(t.dir, 'centers.yaml');
  writeFileSync(file, NUMBERS.map((n, i) => `- id: ${center(i)}\n  name: ${center(i)}\n  kind: rehabilitation_center\n  channels:\n    - {type: phone, value: "${n}"}\n`).join(''));
  // The scheduler's memory puts every call job an hour away, so none runs on its own while the daemon
  // starts (a start-up slower than a slot near at hand would have moved the jobs to their next grid
  // slot, up to an hour away, and no call would have been made at all).
  ({ daemon } = await startPhoneDaemon({
    dir: t.dir,
    fake,
    config: { scheduler: { defaults: { website: '1h', lookup: '1h', call: '1h' }, jitter: '1ms' }, status: undefined },
    telephony: { calls_per_second: CPS },
    beforeStart: (config, dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const db = openDatabase(dataDir);
      try {
        syncRegistry(db, assertLoadable(loadRegistry(config.registry.file)), config.registry.file, createHash('sha256').update(readFileSync(file)).digest('hex'));
        const dueAt = Date.now() + 3_600_000;
        const insert = db.prepare('INSERT INTO job_slots (job_id, channel_ref, next_slot_at) SELECT ?, ref, ? FROM channels WHERE id = ?');
        NUMBERS.forEach((n, i) => {
          const channel = `${center(i)}--phone-${n.slice(1)}`;
          insert.run(`${channel}#call`, dueAt, channel);
        });
      } finally {
        db.close();
      }
    },
  }));
  // Once it is up, every call job falls due at the same instant, as when calling hours open on a
  // backlog; the one-off runs go through the scheduler as the API's probe-now does.
  const now = Date.now();
  const jobs = NUMBERS.map((n, i) => `${center(i)}--phone-${n.slice(1)}#call`);
  expect(jobs.filter((j) => !daemon.monitor.scheduler.has(j))).toEqual([]);
  for (const j of jobs) daemon.monitor.scheduler.deferTo(j, now);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && arrivals().length < NUMBERS.length) await new Promise((r) => setTimeout(r, 100));
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await fake?.close();
  cleanup?.();
});

function arrivals(): { to: string; at: number }[] {
  return fake.requests
    .filter((r) => r.operation === 'calls.create' && r.status !== null)
    .map((r) => ({ to: String(r.params.To), at: r.at }))
    .sort((a, b) => a.at - b.at);
}

test(`no two calls.create arrive closer than 1/CPS (${1000 / CPS} ms), though some were delayed ${DELAY_MS} ms in flight`, () => {
  const all = arrivals();
  expect(all.map((a) => a.to).sort()).toEqual([...NUMBERS].sort());
  // The delays really fell between creates (otherwise the test would prove nothing).
  const delayed = new Set(NUMBERS.filter((_, i) => i % 2 === 0));
  expect(all.some((a) => delayed.has(a.to)) && all.some((a) => !delayed.has(a.to))).toBe(true);
  const gaps = all.slice(1).map((a, i) => a.at - (all[i] as { at: number }).at);
  const show = all.map((a) => `${a.at - (all[0] as { at: number }).at}${delayed.has(a.to) ? ' (delayed)' : ''}`).join(', ');
  expect(Math.min(...gaps), `arrivals, ms after the first: ${show}`).toBeGreaterThanOrEqual(1000 / CPS);
});
