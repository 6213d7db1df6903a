// CallPacer's ordering rules, on their own: a create's turn comes only after the previous create's
// answer came back; a turn given up (the daemon stopping) rejects at once and never lets a later
// turn start before that answer. Order of events only, no wall-clock spacing.

import { expect, test } from 'vitest';
import { CallPacer } from '../../src/probers/phone/call.ts';

const tick = () => new Promise((r) => setTimeout(r, 20));

test('the next create waits for the previous one to come back, then for 1/CPS after it', async () => {
  let t = 0;
  const pacer = new CallPacer(1, () => t);
  const order: string[] = [];
  const first = await pacer.acquire();
  const second = pacer.acquire().then((done) => (order.push('second starts'), done));
  await tick();
  expect(order).toEqual([]); // the first create has not come back yet
  t = 5_000;
  order.push('first answered');
  first();
  t = 5_999; // the clock has not reached answer + 1 s: the pacer sleeps until it does
  const done = await Promise.race([second, tick().then(() => null)]);
  expect(done).toBeNull();
  t = 6_000;
  (await second)();
  expect(order).toEqual(['first answered', 'second starts']);
  expect(pacer.starts).toEqual([0, 6_000]);
});

test('a turn given up rejects at once, and the turn after it still waits for the create before it', async () => {
  const pacer = new CallPacer(1000);
  const first = await pacer.acquire();
  const stop = new AbortController();
  const abandoned = pacer.acquire(stop.signal);
  let thirdStarted = false;
  const third = pacer.acquire().then((done) => ((thirdStarted = true), done));
  stop.abort(new Error('daemon stopping'));
  await expect(abandoned).rejects.toThrow('daemon stopping');
  await tick();
  expect(thirdStarted).toBe(false);
  first();
  (await third)();
  expect(thirdStarted).toBe(true);
});

test('done() twice counts once', async () => {
  const pacer = new CallPacer(1000);
  const first = await pacer.acquire();
  first();
  first();
  (await pacer.acquire())();
  expect(pacer.starts).toHaveLength(2);
});
