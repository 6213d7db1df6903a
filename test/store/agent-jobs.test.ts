// The slots of non-central vantage points over real SQLite files (src/store/agent-jobs.ts): a slot is
// opened once however often it is asked for, a lease is exclusive even between two connections on one
// file, only an agent of the point with the capability gets it, an expired lease goes to another agent
// of the point exactly once for that slot, an expired slot is never leased, archived channels never.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { AgentJobs, type LeaseAsk, type SlotOpening } from '../../src/store/agent-jobs.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { Housekeeping } from '../../src/store/housekeeping.ts';
import { rememberedSlots } from '../../src/store/job-slots.ts';
import type { AgentJobRow } from '../../src/store/rows.ts';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { tempDir } from '../helpers/tmp.ts';

const T0 = Date.UTC(2026, 2, 4, 6, 0);
const MIN = 60_000;
const REGISTRY = `- id: a
  name: Center A
  kind: hotline
  tz_iana: Asia/Almaty
  channels:
    - {type: website, value: "https://a.example.kz/"}
    - {type: phone, value: "+77172000101"}
    - {type: phone, value: "114"}
- id: b
  name: Center B
  kind: hotline
  channels:
    - {type: website, value: "https://b.example.kz/", expect_text: Welcome}
`;
const SITE_A = 'a--web-a-example-kz';
const SITE_B = 'b--web-b-example-kz';
const PHONE_A = 'a--phone-77172000101';
const LEASE_MS = { http: 90_000, lookup: 70_000, call: 200_000 };

let dir: string;
let db: DB;
let cleanup: () => void;
let jobs: AgentJobs;

function addAgent(d: DB, id: string, vantage: string): void {
  d.prepare(`INSERT INTO agents (id, name, vantage, token_hash, created_at, created_by, enrolled_at) VALUES (?, ?, ?, ?, 0, 'test', 0)`).run(id, id, vantage, `hash-${id}`);
}

const slot = (channelId: string, method: string, vantage: string, slotAt: number, every = 5 * MIN): SlotOpening => ({
  jobId: `${channelId}#${method}@${vantage}`,
  channelId,
  method,
  vantage,
  slotAt,
  expiresAt: slotAt + every,
  nextSlotAt: slotAt + every,
});

const ask = (agentId: string, vantage: string, now: number, more: Partial<LeaseAsk> = {}): LeaseAsk => ({
  agentId,
  vantage,
  methods: ['http'],
  shortCodes: false,
  max: 10,
  now,
  leaseMs: LEASE_MS,
  ...more,
});

const rows = (d: DB = db): AgentJobRow[] => d.prepare('SELECT * FROM agent_jobs ORDER BY job_id, slot_at').all() as AgentJobRow[];

beforeEach(() => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  db = openDatabase(dir);
  syncRegistry(db, assertLoadable(parseRegistry(REGISTRY, 'r.yaml')), 'r.yaml', 'x');
  addAgent(db, 'agt_kz1', 'kz');
  addAgent(db, 'agt_kz2', 'kz');
  addAgent(db, 'agt_eu1', 'eu');
  jobs = new AgentJobs(db);
});
afterEach(() => {
  db.close();
  cleanup();
});

describe('opening slots', () => {
  test('a slot is opened once, however often it is asked for (a restart re-running its scheduler), and its next slot is remembered', () => {
    const s = slot(SITE_A, 'http', 'kz', T0);
    expect(jobs.openSlot(s)).toBe('opened');
    expect(jobs.openSlot(s)).toBe('already_open');
    // A second connection (the daemon after a restart) finds the same slot and opens nothing new.
    const again = openDatabase(dir);
    try {
      expect(new AgentJobs(again).openSlots([s, slot(SITE_B, 'http', 'kz', T0)])).toEqual(['already_open', 'opened']);
    } finally {
      again.close();
    }
    expect(rows().map((r) => [r.job_id, r.slot_at, r.expires_at, r.leases, r.agent_id, r.done_at])).toEqual([
      [`${SITE_A}#http@kz`, T0, T0 + 5 * MIN, 0, null, null],
      [`${SITE_B}#http@kz`, T0, T0 + 5 * MIN, 0, null, null],
    ]);
    expect(rememberedSlots(db).get(`${SITE_A}#http@kz`)).toBe(T0 + 5 * MIN);
  });

  test('a slot of a channel the registry does not know is refused, not stored', () => {
    expect(jobs.openSlot(slot('nope--web-x', 'http', 'kz', T0))).toBe('unknown_channel');
    expect(rows()).toEqual([]);
  });
});

describe('leasing', () => {
  test("a lease claims the point's open slots oldest first, with the channel's facts, and sets the holder, the lease end and the count", () => {
    jobs.openSlots([slot(SITE_B, 'http', 'kz', T0 + 1000), slot(SITE_A, 'http', 'kz', T0), slot(SITE_A, 'http', 'eu', T0)]);
    const got = jobs.lease(ask('agt_kz1', 'kz', T0 + 2000));
    expect(got.map((j) => j.jobId)).toEqual([`${SITE_A}#http@kz`, `${SITE_B}#http@kz`]);
    expect(got[0]).toEqual({
      jobId: `${SITE_A}#http@kz`,
      method: 'http',
      slotAt: T0,
      leaseUntil: T0 + 2000 + LEASE_MS.http,
      leases: 1,
      channel: { ref: expect.any(Number), id: SITE_A, centerId: 'a', type: 'website', value: 'https://a.example.kz/', target: 'https://a.example.kz/', options: {}, tz: 'Asia/Almaty' },
    });
    expect(got[1]?.channel).toMatchObject({ id: SITE_B, options: { expectText: 'Welcome' }, tz: null });
    expect(rows().filter((r) => r.vantage === 'kz').map((r) => [r.agent_id, r.lease_until, r.leases])).toEqual([
      ['agt_kz1', T0 + 2000 + LEASE_MS.http, 1],
      ['agt_kz1', T0 + 2000 + LEASE_MS.http, 1],
    ]);
    // Held: neither agent of the point gets them again while the lease runs; the other point's slot is untouched.
    expect(jobs.lease(ask('agt_kz2', 'kz', T0 + 3000))).toEqual([]);
    expect(jobs.lease(ask('agt_kz1', 'kz', T0 + 3000))).toEqual([]);
    expect(rows().find((r) => r.vantage === 'eu')).toMatchObject({ agent_id: null, leases: 0 });
  });

  test('max bounds one lease; the rest stay for the next ask', () => {
    jobs.openSlots([slot(SITE_A, 'http', 'kz', T0), slot(SITE_B, 'http', 'kz', T0 + 1)]);
    expect(jobs.lease(ask('agt_kz1', 'kz', T0 + 10, { max: 1 })).map((j) => j.channel.id)).toEqual([SITE_A]);
    expect(jobs.lease(ask('agt_kz2', 'kz', T0 + 10, { max: 1 })).map((j) => j.channel.id)).toEqual([SITE_B]);
  });

  test('an agent gets only the methods it has the capability for, and short codes only with short_codes', () => {
    jobs.openSlots([slot(SITE_A, 'http', 'kz', T0), slot(PHONE_A, 'lookup', 'kz', T0)]);
    // A short code as an agent of a domestic point would dial it: the channel's target is its digits.
    db.prepare(`UPDATE channels SET target = '114', unprobeable_reason = NULL WHERE id = 'a--phone-114'`).run();
    jobs.openSlot(slot('a--phone-114', 'call', 'kz', T0));
    expect(jobs.lease(ask('agt_kz1', 'kz', T0 + 1, { methods: ['lookup', 'call'] })).map((j) => j.jobId)).toEqual([`${PHONE_A}#lookup@kz`]);
    expect(jobs.lease(ask('agt_kz2', 'kz', T0 + 1, { methods: ['lookup', 'call'], shortCodes: true })).map((j) => j.jobId)).toEqual(['a--phone-114#call@kz']);
    expect(jobs.lease(ask('agt_kz2', 'kz', T0 + 1, { methods: [] }))).toEqual([]);
    expect(jobs.lease(ask('agt_kz2', 'kz', T0 + 1)).map((j) => j.jobId)).toEqual([`${SITE_A}#http@kz`]);
  });

  test('a slot of an archived channel, or of a channel that lost its target, is never leased; the target given is the current one', () => {
    jobs.openSlots([slot(SITE_A, 'http', 'kz', T0), slot(SITE_B, 'http', 'kz', T0)]);
    db.prepare(`UPDATE channels SET archived_at = ? WHERE id = ?`).run(T0, SITE_B);
    db.prepare(`UPDATE channels SET target = 'https://a.example.kz/new' WHERE id = ?`).run(SITE_A);
    expect(jobs.lease(ask('agt_kz1', 'kz', T0 + 1)).map((j) => [j.channel.id, j.channel.target])).toEqual([[SITE_A, 'https://a.example.kz/new']]);
    db.prepare(`UPDATE channels SET archived_at = NULL, target = NULL WHERE id = ?`).run(SITE_B);
    expect(jobs.lease(ask('agt_kz1', 'kz', T0 + 2))).toEqual([]);
  });

  test('an expired slot is never leased, and expireMissed closes it once, without a probe', () => {
    jobs.openSlot(slot(SITE_A, 'http', 'kz', T0));
    expect(jobs.lease(ask('agt_kz1', 'kz', T0 + 5 * MIN))).toEqual([]);
    expect(jobs.expireMissed(T0 + 5 * MIN)).toEqual([{ job_id: `${SITE_A}#http@kz`, vantage: 'kz', slot_at: T0, leases: 0, agent_id: null }]);
    expect(jobs.expireMissed(T0 + 6 * MIN)).toEqual([]);
    expect(rows()[0]).toMatchObject({ done_at: T0 + 5 * MIN, probe_id: null });
  });

  test("a dead agent's lease expires and another agent of the point takes the slot, exactly once; the result closes it", () => {
    jobs.openSlot(slot(SITE_A, 'http', 'kz', T0, 10 * MIN));
    const first = jobs.lease(ask('agt_kz1', 'kz', T0 + 1));
    expect(first.map((j) => j.leaseUntil)).toEqual([T0 + 1 + LEASE_MS.http]);
    // agt_kz1 dies. Until its lease runs out nobody else gets the slot; at its end exactly one agent does.
    expect(jobs.lease(ask('agt_kz2', 'kz', T0 + LEASE_MS.http))).toEqual([]);
    const after = T0 + 1 + LEASE_MS.http;
    const second = jobs.lease(ask('agt_kz2', 'kz', after));
    expect(second.map((j) => [j.jobId, j.slotAt, j.leases])).toEqual([[`${SITE_A}#http@kz`, T0, 2]]);
    expect(jobs.lease(ask('agt_kz1', 'kz', after))).toEqual([]);
    expect(jobs.lease(ask('agt_eu1', 'eu', after))).toEqual([]);
    // agt_kz2's result closes the slot: never leased again, even when its lease would have run out.
    expect(jobs.complete(`${SITE_A}#http@kz`, T0, 42, after + 1000)).toBe(true);
    expect(jobs.complete(`${SITE_A}#http@kz`, T0, 43, after + 2000)).toBe(false);
    expect(jobs.lease(ask('agt_kz1', 'kz', after + 2 * LEASE_MS.http))).toEqual([]);
    expect(jobs.get(`${SITE_A}#http@kz`, T0)).toMatchObject({ agent_id: 'agt_kz2', leases: 2, done_at: after + 1000, probe_id: 42 });
    expect(jobs.expireMissed(T0 + 10 * MIN)).toEqual([]);
  });

  test('a late result still closes a missed slot with its probe (nothing lost), and an unknown slot is not found', () => {
    jobs.openSlot(slot(SITE_A, 'http', 'kz', T0));
    jobs.expireMissed(T0 + 5 * MIN);
    expect(jobs.complete(`${SITE_A}#http@kz`, T0, 7, T0 + 9 * MIN)).toBe(true);
    expect(jobs.get(`${SITE_A}#http@kz`, T0)).toMatchObject({ done_at: T0 + 5 * MIN, probe_id: 7 });
    expect(jobs.get(`${SITE_A}#http@kz`, T0 + 1)).toBeUndefined();
  });

  test('two agents leasing at once through two connections on one file never get the same slot', () => {
    const other = openDatabase(dir);
    try {
      const jobs2 = new AgentJobs(other);
      const opened = Array.from({ length: 40 }, (_, i) => slot(i % 2 ? SITE_A : SITE_B, 'http', 'kz', T0 + i * 1000));
      jobs.openSlots(opened);
      const got1: string[] = [];
      const got2: string[] = [];
      // Interleaved small leases from both connections until nothing is left.
      for (let round = 0; round < 40; round++) {
        got1.push(...jobs.lease(ask('agt_kz1', 'kz', T0 + 60_000, { max: 3 })).map((j) => `${j.jobId}/${j.slotAt}`));
        got2.push(...jobs2.lease(ask('agt_kz2', 'kz', T0 + 60_000, { max: 2 })).map((j) => `${j.jobId}/${j.slotAt}`));
      }
      expect(got1.length).toBeGreaterThan(0);
      expect(got2.length).toBeGreaterThan(0);
      expect(got1.filter((k) => got2.includes(k))).toEqual([]);
      expect(new Set([...got1, ...got2]).size).toBe(40);
      expect(got1.length + got2.length).toBe(40);
      expect(rows().every((r) => r.leases === 1)).toBe(true);
    } finally {
      other.close();
    }
  });
});

test('two agents leasing at the same moment, in two threads with their own connections, never get the same slot', async () => {
  const opened = Array.from({ length: 200 }, (_, i) => slot(i % 2 ? SITE_A : SITE_B, 'http', 'kz', T0 + i * 1000));
  jobs.openSlots(opened);
  const start = new SharedArrayBuffer(8);
  const flag = new Int32Array(start);
  const run = (agentId: string): { worker: Worker; result: Promise<string[]> } => {
    const worker = new Worker(new URL('../helpers/lease-worker.ts', import.meta.url), { workerData: { dir, agentId, vantage: 'kz', now: T0 + MIN, start } });
    const result = new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return { worker, result };
  };
  const a = run('agt_kz1');
  const b = run('agt_kz2');
  // Both are connected and waiting: release them together.
  while (Atomics.load(flag, 1) < 2) await new Promise((r) => setTimeout(r, 10));
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  const [got1, got2] = await Promise.all([a.result, b.result]);
  expect(got1.filter((k) => got2.includes(k))).toEqual([]);
  expect(new Set([...got1, ...got2]).size).toBe(200);
  expect(got1.length + got2.length).toBe(200);
  expect(rows().every((r) => r.leases === 1 && r.agent_id === (got1.includes(`${r.job_id}/${r.slot_at}`) ? 'agt_kz1' : 'agt_kz2'))).toBe(true);
}, 120_000);

describe('housekeeping', () => {
  test('withdrawn slots are no longer leased; closed and expired slots are deleted after a week, open ones kept', () => {
    const DAY = 86_400_000;
    jobs.openSlots([slot(SITE_A, 'http', 'kz', T0), slot(SITE_B, 'http', 'kz', T0)]);
    expect(jobs.withdraw([`${SITE_B}#http@kz`], T0 + 1)).toBe(1);
    expect(jobs.lease(ask('agt_kz1', 'kz', T0 + 2)).map((j) => j.channel.id)).toEqual([SITE_A]);
    jobs.complete(`${SITE_A}#http@kz`, T0, 1, T0 + 3);
    jobs.openSlot(slot(SITE_A, 'http', 'kz', T0 + 8 * DAY, DAY));
    new Housekeeping(db, null, pino({ level: 'silent' })).tick(T0 + 8 * DAY);
    expect(rows().map((r) => [r.job_id, r.slot_at])).toEqual([[`${SITE_A}#http@kz`, T0 + 8 * DAY]]);
  });
});
