// Calls through our own carrier: with telephony.byoc_trunk set, every calls.create names the BYOC
// trunk (Twilio's `Byoc` parameter), so Twilio routes the call through that SIP trunk (a domestic
// carrier). Without it, no create names one. A malformed SID stops the start with a sentence.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase } from '../../src/store/db.ts';
import { startPhoneDaemon } from '../helpers/phone-daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startFakeTwilio, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const ACCOUNT = `AC${'7'.repeat(32)}`;
const TOKEN = 'test-auth-token-byoc-000000001';
const TRUNK = `BY${'0123456789abcdef'.repeat(2)}`;
const NUMBER = '+77172400001';
const CHANNEL = `byoc-1--phone-${NUMBER.slice(1)}`;

let fake: FakeTwilio;
let daemon: Daemon;
const t = tempDir();

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 0.01 });
  fake.script(NUMBER, { outcome: 'busy' });
  const file = path.join(t.dir, 'centers.yaml');
  writeFileSync(file, `- id: byoc-1\n  name: byoc-1\n  kind: rehabilitation_center\n  channels:\n    - {type: phone, value: "${NUMBER}"}\n`);
  ({ daemon } = await startPhoneDaemon({
    dir: t.dir,
    fake,
    config: { scheduler: { defaults: { website: '1h', lookup: '1h', call: '1h' }, jitter: '1ms' }, status: undefined },
    telephony: { byoc_trunk: TRUNK, methods: ['call'] },
    beforeStart: (config, dataDir) => {
      // The call job's slot is an hour away, so only the run this test asks for is made.
      mkdirSync(dataDir, { recursive: true });
      const db = openDatabase(dataDir);
      try {
        syncRegistry(db, assertLoadable(loadRegistry(config.registry.file)), config.registry.file, createHash('sha256').update(readFileSync(file)).digest('hex'));
        db.prepare('INSERT INTO job_slots (job_id, channel_ref, next_slot_at) SELECT ?, ref, ? FROM channels WHERE id = ?').run(`${CHANNEL}#call`, Date.now() + 3_600_000, CHANNEL);
      } finally {
        db.close();
      }
    },
  }));
  daemon.monitor.scheduler.deferTo(`${CHANNEL}#call`, Date.now());
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !fake.requests.some((r) => r.operation === 'calls.create' && r.status !== null)) await new Promise((r) => setTimeout(r, 100));
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await fake?.close();
  t.remove();
});

test('every call is created with the BYOC trunk, and Twilio accepts it', () => {
  const creates = fake.requests.filter((r) => r.operation === 'calls.create');
  expect(creates.length).toBeGreaterThan(0);
  for (const c of creates) {
    expect(c.params.Byoc).toBe(TRUNK);
    expect(c.status).toBe(201);
  }
});

test('a BYOC trunk that is not a BY… SID stops the start with a sentence naming the key', () => {
  const file = path.join(t.dir, 'bad.yaml');
  writeFileSync(file, 'telephony:\n  byoc_trunk: TK123\n');
  let problems: string[] = [];
  try {
    loadConfig({}, file);
  } catch (err) {
    if (err instanceof ConfigError) problems = err.problems;
    else throw err;
  }
  expect(problems).toEqual([`${file}:2 telephony.byoc_trunk: must be a Twilio BYOC trunk SID, BY followed by 32 hexadecimal digits, not "TK123".`]);
});
