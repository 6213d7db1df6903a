// The demo leaves nothing running however it ends mid-replay, while its clock runs thousands of times
// faster: Ctrl-C stops the daemon gracefully (its shutdown grace is simulated time, so the clock is
// slowed first), and a demo killed with SIGKILL still takes its daemon with it (the daemon watches a
// pipe from the demo and logs to a file, so nothing can hold it up).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { freePort, portOpen, processAlive as alive } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const running: { demo: ChildProcess; pid: () => number }[] = [];
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const r of running.splice(0)) {
    for (const pid of [r.demo.pid, r.pid()]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const c of cleanups.splice(0)) c();
});

/** A demo well into its fast replay: its first alert mail has arrived. */
async function demoMidReplay(): Promise<{ demo: ChildProcess; output: () => string; daemonPid: number; port: number; dir: string }> {
  const t = tempDir();
  cleanups.push(t.remove);
  const dir = path.join(t.dir, 'demo');
  const port = await freePort();
  const demo = spawn(process.execPath, ['demo/run.ts', '--speed', '3000', '--port', String(port), '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let daemonPid = 0;
  demo.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
    daemonPid ||= Number(/runs as pid (\d+)/.exec(output)?.[1] ?? 0);
  });
  demo.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  running.push({ demo, pid: () => daemonPid });
  await until('the first alert of the replay', () => output.includes('✉') || demo.exitCode !== null, 60_000);
  expect(demo.exitCode, output).toBeNull();
  expect(output).not.toMatch(/The report as a page/);
  return { demo, output: () => output, daemonPid, port, dir };
}

test('Ctrl-C in the middle of the fast replay stops the daemon gracefully, not by its shutdown timeout', async () => {
  const d = await demoMidReplay();
  const sent = performance.now();
  d.demo.kill('SIGINT');
  const [code] = (await once(d.demo, 'exit')) as [number | null];
  const realMs = performance.now() - sent;
  expect(code, d.output()).toBe(0);
  expect(d.output()).toMatch(/Stopped\. Nothing is left running\./);
  expect(alive(d.daemonPid)).toBe(false);
  expect(await portOpen(d.port)).toBe(false);
  const log = readFileSync(path.join(d.dir, 'daemon.log'), 'utf8');
  expect(log).toMatch(/reachwatch stopped/);
  expect(log).not.toMatch(/killed by timeout|second SIGTERM/);
  // The shutdown ran on a clock at real speed: in the daemon's (simulated) log it took no longer than
  // the real time from Ctrl-C to the demo's exit. At 3000× a millisecond of real work would be three
  // simulated seconds, and the daemon's grace timers a blink.
  const at = (msg: string) => (log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg?: string; time: number }).find((l) => l.msg === msg) as { time: number }).time;
  expect(at('reachwatch stopped') - at('stopping')).toBeLessThanOrEqual(realMs + 50);
}, 90_000);

test('a demo killed with SIGKILL still takes its daemon with it, stopped gracefully', async () => {
  const d = await demoMidReplay();
  d.demo.kill('SIGKILL');
  await once(d.demo, 'exit');
  await until('the daemon to exit after the demo died', () => !alive(d.daemonPid), 30_000);
  expect(await portOpen(d.port)).toBe(false);
  expect(readFileSync(path.join(d.dir, 'daemon.log'), 'utf8')).toMatch(/reachwatch stopped/);
}, 90_000);
