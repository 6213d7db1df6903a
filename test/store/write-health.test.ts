// The readiness verdict on writes, from the writer's memory (src/store/write-health.ts).

import { expect, test } from 'vitest';
import { judgeWrites, type WriteState } from '../../src/store/write-health.ts';

const idle: WriteState = { now: 100_000, oldestPendingAt: null, heartbeatFailingSince: null, lastError: null, lastWaitError: null };

test('nothing waiting, nothing failing: ok', () => {
  expect(judgeWrites(idle, 5000)).toEqual({ ok: true });
});

test('results waiting up to the threshold are normal (group commit); longer is a stall, with the lock error as its reason', () => {
  expect(judgeWrites({ ...idle, oldestPendingAt: 95_000, lastWaitError: 'database is locked' }, 5000)).toEqual({ ok: true });
  expect(judgeWrites({ ...idle, oldestPendingAt: 94_000, lastWaitError: 'database is locked' }, 5000)).toEqual({
    ok: false,
    reason: 'a write has waited 6 s for the disk (store.stall_after 5 s): database is locked',
  });
});

test('an idle daemon whose heartbeat write keeps waiting stalls too', () => {
  expect(judgeWrites({ ...idle, heartbeatFailingSince: 90_000 }, 5000)).toMatchObject({ ok: false, reason: expect.stringMatching(/^a write has waited 10 s/) });
});

test('a write that failed (disk full, read-only) is not ready at once', () => {
  expect(judgeWrites({ ...idle, lastError: 'database or disk is full' }, 5000)).toEqual({ ok: false, reason: 'writes fail: database or disk is full' });
});
