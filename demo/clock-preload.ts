// `node --import ./demo/clock-preload.ts src/main.ts`: the daemon on the demo's clock (demo/clock.ts),
// whose first segment the demo passes in REACHWATCH_DEMO_CLOCK. Without the variable it does nothing.
//
// With REACHWATCH_DEMO_WATCH_PARENT=1, stdin is a pipe from the demo: "clock <segment>" lines switch
// the speed at the instant they name, and the end of the pipe (the demo gone, however it went, even
// kill -9) stops the daemon as SIGTERM does, so it never outlives the demo.

import { createInterface } from 'node:readline';
import { isMainThread } from 'node:worker_threads';
import { CLOCK_ENV, decodeSegment, installFastClock, realNow } from './clock.ts';

const first = process.env[CLOCK_ENV];
if (first) {
  const clock = installFastClock(decodeSegment(first));
  // Preloads run in worker threads too (the registry loader's), where stdin is not the demo's pipe.
  // Their clocks keep the first segment: they live for a moment and keep no time.
  if (process.env.REACHWATCH_DEMO_WATCH_PARENT === '1' && isMainThread) {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      const m = /^clock (\S+)$/.exec(line.trim());
      if (m) clock.add(decodeSegment(m[1] as string));
    });
    // A second SIGTERM makes the daemon exit at once, so send none if the demo already sent one.
    let terminating = false;
    process.once('SIGTERM', () => {
      terminating = true;
      // Before the daemon installs its own handler, this one must not swallow the signal.
      if (process.listenerCount('SIGTERM') === 0) process.exit(143);
    });
    lines.on('close', () => {
      if (terminating) return;
      // The daemon's shutdown grace is simulated time too: give it real seconds, not a blink.
      clock.add(clock.segmentAt(realNow(), 1));
      process.kill(process.pid, 'SIGTERM');
    });
  }
}
