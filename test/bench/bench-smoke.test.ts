// Keeps `npm run bench` from rotting: a --quick run (500 loopback sites, a few seconds) must finish
// and report sane figures. It checks that the benchmark works, not how fast this machine is.

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

test('npm run bench -- --quick --json reports probes, lag and memory', async () => {
  const { code, stdout, stderr } = await runBench(['--quick', '--json']);
  expect(code, stderr).toBe(0);
  const report = JSON.parse(stdout) as {
    options: { channels: number; quick: boolean };
    sections: Record<string, { skipped: string | null; verdicts: { pass: boolean; target: string }[]; run?: Record<string, unknown> }>;
  };
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
}, 55_000);
