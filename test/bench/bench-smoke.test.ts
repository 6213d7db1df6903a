// Keeps `npm run bench` from rotting: a --quick run (500 loopback sites, 200 call attempts, a 100-call
// backlog; ~15 s) must finish and report sane figures. It checks that the benchmark works, not how
// fast this machine is. One run is shared by the tests below, one per section.

import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type Section = { skipped: string | null; verdicts: { pass: boolean; target: string }[] } & Record<string, unknown>;
type QuickReport = { options: { channels: number; quick: boolean }; sections: Record<string, Section> };

// The quick run takes ~15 s on an idle machine and measured 111 s beside eight other engineers' test
// runs (load average 16 on 2 cores). How long it takes is the benchmark's business, not a failure.
const QUICK_RUN_TIMEOUT_MS = 300_000;

let quickRun: Promise<QuickReport> | null = null;
function quickReport(): Promise<QuickReport> {
  quickRun ??= runBench(['--quick', '--json']).then(({ code, stdout, stderr }) => {
    if (code !== 0) throw new Error(`the quick bench exited with ${String(code)}:\n${stderr}`);
    return JSON.parse(stdout) as QuickReport;
  });
  return quickRun;
}

test('npm run bench -- --quick --json reports probes, lag and memory', async () => {
  const report = await quickReport();
  expect(report.options).toMatchObject({ channels: 500, quick: true });
  const probes = report.sections.probes;
  expect(probes?.skipped).toBeNull();
  const run = probes?.run as {
    stored: number;
    storedPerS: number;
    rowsPerS: number;
    lagMs: { n: number; p50: number | null; p99: number | null };
    peakRssBytes: number;
    dbBytesPerProbe: number | null;
    outcomes: Record<string, Record<string, number>>;
  };
  expect(run.stored).toBeGreaterThan(0);
  expect(run.storedPerS).toBeGreaterThan(0);
  expect(run.rowsPerS).toBeGreaterThanOrEqual(run.storedPerS);
  expect(run.lagMs.n).toBeGreaterThan(0);
  expect(run.lagMs.p50).toBeTypeOf('number');
  expect(run.lagMs.p99).toBeGreaterThanOrEqual(run.lagMs.p50 as number);
  expect(run.peakRssBytes).toBeGreaterThan(0);
  expect(run.dbBytesPerProbe).toBeGreaterThan(0);
  // Every kind of site was probed, and each was classified the way the farm plays it.
  for (const kind of ['fast', 'slow', 'refused', 'hang']) expect(Object.keys(run.outcomes[kind] ?? {}).length, kind).toBeGreaterThan(0);
  expect(probes?.verdicts.find((v) => v.target.startsWith('refused and hanging'))?.pass).toBe(true);
  // Without --blackbox the comparison is skipped, saying how to ask for it.
  expect(report.sections.blackbox?.skipped).toMatch(/--blackbox/);
}, QUICK_RUN_TIMEOUT_MS);

test('the callbacks section reports signed callbacks/s, and every one stored once; forged ones refused', async () => {
  const cb = (await quickReport()).sections.callbacks as Section & {
    callbacksPerS: number;
    latencyMs: { n: number; p50: number | null; p99: number | null };
    windowShare2xx: number | null;
    valid: number;
    accepted: number;
    rows: number;
    forged: number;
    forgedRefused: number;
    forgedRows: number;
  };
  expect(cb.skipped).toBeNull();
  expect(cb.callbacksPerS).toBeGreaterThan(0);
  expect(cb.latencyMs.n).toBeGreaterThan(0);
  expect(cb.latencyMs.p99).toBeGreaterThanOrEqual(cb.latencyMs.p50 as number);
  expect(cb.windowShare2xx).toBe(1);
  expect(cb.accepted).toBe(cb.valid);
  expect(cb.rows).toBe(cb.accepted);
  expect(cb.forged).toBeGreaterThan(0);
  expect(cb.forgedRefused).toBe(cb.forged);
  expect(cb.forgedRows).toBe(0);
}, QUICK_RUN_TIMEOUT_MS);

test('the cps section places calls from a backlog without passing the calls-per-second limit', async () => {
  const cps = (await quickReport()).sections.cps as Section & {
    runs: { callsPerSecond: number; windowS: number; created: number; maxIn1s: number; pacerMaxIn1s: number; firstSecond: number; callsStored: number }[];
  };
  expect(cps.skipped).toBeNull();
  expect(cps.runs.length).toBeGreaterThan(0);
  for (const r of cps.runs) {
    expect(r.created).toBeGreaterThan(0);
    expect(r.callsStored, 'calls ended and were stored').toBeGreaterThan(0);
    expect(r.created).toBeLessThanOrEqual(Math.ceil(r.callsPerSecond * r.windowS) + 1);
    // The daemon's own pacing and the onset of the backlog hold the limit exactly (no request can
    // arrive before the pacer lets it go, so the first second is bounded by the pacer too).
    expect(r.pacerMaxIn1s).toBeLessThanOrEqual(r.callsPerSecond);
    expect(r.firstSecond).toBeLessThanOrEqual(r.callsPerSecond);
    // And as Twilio sees them, whatever the machine's load: each create waits for the previous one's
    // answer, which cannot come before that one arrived.
    expect(r.maxIn1s).toBeLessThanOrEqual(r.callsPerSecond);
  }
}, QUICK_RUN_TIMEOUT_MS);

test('the overload section drives the daemon past saturation and counts healthy sites misclassified', async () => {
  const { code, stdout, stderr } = await runBench(['--only', 'overload', '--channels', '300', '--duration', '2', '--warmup', '0', '--json']);
  expect(code, stderr).toBe(0);
  const section = (JSON.parse(stdout) as QuickReport).sections.overload as Section & { healthyMisclassified: number; run: { stored: number } };
  expect(section.skipped).toBeNull();
  expect(section.run.stored).toBeGreaterThan(0);
  expect(section.healthyMisclassified).toBeTypeOf('number');
  expect(section.verdicts.map((v) => v.target)).toEqual(['healthy sites misclassified at 2x saturating demand = 0']);
}, QUICK_RUN_TIMEOUT_MS);

test('the agents-ingest section pushes signed batches over HTTP, stores every result once, and gives the ProbeWriter peer', async () => {
  const { code, stdout, stderr } = await runBench(['--only', 'agents-ingest', '--quick', '--json']);
  expect(code, stderr).toBe(0);
  const s = (JSON.parse(stdout) as QuickReport).sections['agents-ingest'] as Section & { results: number; stored: number; notStored: number; slotsClosed: number; ingestPerS: number; peerPerS: number };
  expect(s.skipped).toBeNull();
  expect(s.stored).toBe(s.results);
  expect(s.notStored).toBe(0);
  expect(s.slotsClosed).toBe(s.results);
  expect(s.ingestPerS).toBeGreaterThan(0);
  expect(s.peerPerS).toBeGreaterThan(0);
  expect(s.verdicts.every((v) => v.pass)).toBe(true);
}, QUICK_RUN_TIMEOUT_MS);

test('the agent section runs a real central and agent: results stored, the agent RSS sampled, slot-to-stored delays given', async () => {
  const { code, stdout, stderr } = await runBench(['--only', 'agent', '--quick', '--json']);
  expect(code, stderr).toBe(0);
  const s = (JSON.parse(stdout) as QuickReport).sections.agent as Section & { stored: number; reachable: number; rssPeakBytes: number | null; slotToStoredMs: { n: number; p50: number | null; p99: number | null } };
  expect(s.skipped).toBeNull();
  expect(s.stored).toBeGreaterThan(0);
  expect(s.reachable).toBe(s.stored);
  expect(s.rssPeakBytes).toBeGreaterThan(0);
  expect(s.slotToStoredMs.n).toBe(s.stored);
  expect(s.slotToStoredMs.p99).toBeGreaterThanOrEqual(s.slotToStoredMs.p50 as number);
  // --quick runs 100 channels: the RSS target is judged only at 1,000, so it is never passed here.
  expect(s.verdicts.map((v) => v.pass)).toEqual([false]);
}, QUICK_RUN_TIMEOUT_MS);
