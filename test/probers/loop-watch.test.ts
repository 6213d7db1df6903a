// The loop watch on this process's own event loop: a stall inside a probe's window is measured, one
// before it is not.

import { describe, expect, it } from 'vitest';
import { LoopWatch } from '../../src/probers/loop-watch.ts';

function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: no timer of ours runs meanwhile
  }
}

const STALL_MS = 1200;

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('LoopWatch', () => {
  it('measures a stall inside the window, and not one that ended before it began', async () => {
    const watch = new LoopWatch();
    const first = watch.begin();
    await tick(50);
    // Long, so that only a stall this long would be counted in the second window: a busy machine can
    // deschedule this process for a few hundred ms inside it, which is a real stall of ours.
    blockLoop(STALL_MS); // before the second window
    await tick(50);
    const second = watch.begin();
    await tick(50);
    const ofSecond = watch.end(second);
    const ofFirst = watch.end(first);
    expect(ofFirst.maxStallMs).toBeGreaterThanOrEqual(STALL_MS - 100);
    expect(ofFirst.stalledMs).toBeGreaterThanOrEqual(ofFirst.maxStallMs);
    expect(ofSecond.maxStallMs).toBeLessThan(STALL_MS - 100);
  });

  it('counts a stall still going on when the window ends (the late deadline that ends a probe)', () => {
    const watch = new LoopWatch();
    const from = watch.begin();
    blockLoop(300); // no tick has run since: only the ongoing stall can tell
    expect(watch.end(from).stalledMs).toBeGreaterThanOrEqual(250);
  });
});
