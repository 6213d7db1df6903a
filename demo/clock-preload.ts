// `node --import ./demo/clock-preload.ts src/main.ts`: the daemon on the demo's clock (demo/clock.ts),
// whose first segment the demo passes in REACHWATCH_DEMO_CLOCK. Without the variable it does nothing.
//
// With REACHWATCH_DEMO_WATCH_PARENT=1, stdin is a pipe from the demo: "clock <segment>" lines switch
// the speed at the instant they name, and the end of the pipe (the demo gone, however it went, even
// kill -9) stops the daemon as SIGTERM does, so it never outlives the demo.

import { createInterface } from 'node:readline';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { CLOCK_ENV, decodeSegment, encodeSegment, installFastClock, realNow, type Segment } from './clock.ts';

const first = process.env[CLOCK_ENV];
if (first) {
  const clock = installFastClock(decodeSegment(first));
  // Preloads run in worker threads too, where stdin is not the demo's pipe: the daemon's core (the
  // daemon itself, src/daemon/core-worker.ts) and the registry loader's. The main thread hands every
  // switch on to them; each names the real instant it starts at, so a late arrival changes nothing.
  const switches = new BroadcastChannel('reachwatch-demo-clock');
  switches.unref(); // a worker that lives for a moment (the registry loader) must still end
  const add = (segment: Segment) => {
    clock.add(segment);
    if (isMainThread) switches.postMessage(encodeSegment(segment));
  };
  if (!isMainThread) {
    switches.onmessage = (e) => {
      const segment = decodeSegment(String((e as MessageEvent).data));
      // A switch that arrives after its instant (this thread was busy; the stop's switch is "now")
      // continues from where this clock is, at the new speed: a clock never runs backwards, so one
      // that waited for real time to catch up with it would hold every timer meanwhile.
      clock.add(segment.realAt >= realNow() ? segment : clock.segmentAt(realNow(), segment.speed));
    };
  }
  if (process.env.REACHWATCH_DEMO_WATCH_PARENT === '1' && isMainThread) {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      const m = /^clock (\S+)$/.exec(line.trim());
      if (m) add(decodeSegment(m[1] as string));
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
      add(clock.segmentAt(realNow(), 1));
      process.kill(process.pid, 'SIGTERM');
    });
  }
}
