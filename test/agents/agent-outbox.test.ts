// The agent's outbox on a real SQLite file: a slot is probed at most once (also after reopening), a
// result is stored with its lease marked done in one transaction, and a batch is the same batch until
// acknowledged.

import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { AGENT_OUTBOX_FILE, AgentOutbox } from '../../src/store/agent-outbox.ts';
import { tempDir } from '../helpers/tmp.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir('rw-outbox-')));
afterEach(() => t.remove());

const lease = (jobId: string, slotAt: number, leaseUntil = slotAt + 60_000) => ({ jobId, slotAt, leaseUntil, job: JSON.stringify({ jobId, slotAt }) });
let n = 0;
const id = () => `b_${++n}_${Math.random().toString(16).slice(2)}`;

test('a lease is new once: the same (job, slot) leased again, even after reopening the file, is not handed out again', () => {
  const o = new AgentOutbox(t.dir);
  expect(o.recordLeases([lease('a#http@kz', 1000), lease('b#http@kz', 1000)], 1).map((l) => l.jobId)).toEqual(['a#http@kz', 'b#http@kz']);
  expect(o.recordLeases([lease('a#http@kz', 1000), lease('a#http@kz', 2000)], 2).map((l) => `${l.jobId}:${l.slotAt}`)).toEqual(['a#http@kz:2000']);
  expect(o.startProbe('a#http@kz', 1000)).toBe(true);
  expect(o.startProbe('a#http@kz', 1000)).toBe(false);
  o.close();
  const again = new AgentOutbox(t.dir);
  // A lease left 'probing' (the process died mid-probe) is neither pending nor startable.
  expect(again.pendingLeases().map((l) => `${l.jobId}:${l.slotAt}`)).toEqual(['b#http@kz:1000', 'a#http@kz:2000']);
  expect(again.startProbe('a#http@kz', 1000)).toBe(false);
  expect(again.recordLeases([lease('a#http@kz', 1000)], 3)).toEqual([]);
  expect(again.leaseCounts()).toEqual({ leased: 2, probing: 1, done: 0, skipped: 0 });
  again.close();
});

test('a result is kept only for a lease being probed, and marks it done in the same transaction', () => {
  const o = new AgentOutbox(t.dir);
  o.recordLeases([lease('a#http@kz', 1000), lease('b#http@kz', 1000)], 1);
  expect(o.addResult('a#http@kz', 1000, 5, '{"r":1}')).toBe(false); // never started
  expect(o.startProbe('a#http@kz', 1000)).toBe(true);
  expect(o.addResult('a#http@kz', 1000, 5, '{"r":1}')).toBe(true);
  expect(o.addResult('a#http@kz', 1000, 6, '{"r":2}')).toBe(false); // a second result for the slot
  o.skip('b#http@kz', 1000, 'lease too short');
  expect(o.startProbe('b#http@kz', 1000)).toBe(false);
  expect(o.depth()).toEqual({ depth: 1, oldestStartedAt: 5 });
  expect(o.leaseCounts()).toEqual({ leased: 0, probing: 0, done: 1, skipped: 1 });
  o.close();
});

test('a batch is persisted before it is sent and stays the same batch until acknowledged; sequence numbers grow', () => {
  const o = new AgentOutbox(t.dir);
  const slots = [1, 2, 3, 4, 5];
  o.recordLeases(slots.map((s) => lease('a#http@kz', s)), 1);
  for (const s of slots) {
    o.startProbe('a#http@kz', s);
    o.addResult('a#http@kz', s, s, JSON.stringify({ slot: s }));
  }
  const first = o.nextBatch(2, id, 1_000_000);
  expect(first?.results).toEqual(['{"slot":1}', '{"slot":2}']);
  o.close();
  // Reopened (a crash after persisting, before or after sending): the very same batch comes back.
  const o2 = new AgentOutbox(t.dir);
  const again = o2.nextBatch(2, id, 2_000_000);
  expect(again).toMatchObject({ batchId: first?.batchId, seq: first?.seq, results: first?.results });
  o2.acknowledge(first?.batchId as string);
  const second = o2.nextBatch(2, id, 3_000_000);
  expect(second?.batchId).not.toBe(first?.batchId);
  expect(second?.seq).toBe((first?.seq as number) + 1);
  expect(second?.results).toEqual(['{"slot":3}', '{"slot":4}']);
  o2.acknowledge(second?.batchId as string);
  const third = o2.nextBatch(2, id, 4_000_000);
  o2.acknowledge(third?.batchId as string);
  expect(o2.nextBatch(2, id, 5_000_000)).toBeNull();
  expect(o2.depth()).toEqual({ depth: 0, oldestStartedAt: null });
  o2.close();
  // A new folder starts its numbers at the clock: above the numbers an older folder used.
  const fresh = new AgentOutbox(path.join(t.dir, 'new'));
  fresh.recordLeases([lease('a#http@kz', 9)], 1);
  fresh.startProbe('a#http@kz', 9);
  fresh.addResult('a#http@kz', 9, 9, '{}');
  expect(fresh.nextBatch(2, id, 6_000_000)?.seq).toBe(6_000_000);
  fresh.close();
});

test('a file from a newer release is refused and left as it was', () => {
  const db = new Database(path.join(t.dir, AGENT_OUTBOX_FILE));
  db.pragma('user_version = 99');
  db.close();
  expect(() => new AgentOutbox(t.dir)).toThrow(/schema version 99.*nothing was changed/);
});
