// Keeps the agents-lease section of `npm run bench` from rotting: a --quick run must open every slot
// once and hand each to exactly one of its agents, and report its figures. How fast is the
// benchmark's business (docs/benchmarks.md), not this test's.

import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';

test('the agents-lease section opens slots and leases each exactly once over HTTP', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.ts', '--only', 'agents-lease', '--quick', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  expect(code, stderr).toBe(0);
  const s = (JSON.parse(stdout) as { sections: Record<string, Record<string, unknown>> }).sections['agents-lease'] as {
    slots: number;
    leased: number;
    leasedOnce: number;
    openPerS: number;
    leasePerS: number;
    leaseRequestMs: { n: number; p50: number | null };
    verdicts: { pass: boolean }[];
  };
  expect(s.slots).toBe(1000);
  expect(s.leased).toBe(1000);
  expect(s.leasedOnce).toBe(1000);
  expect(s.openPerS).toBeGreaterThan(0);
  expect(s.leasePerS).toBeGreaterThan(0);
  expect(s.leaseRequestMs.n).toBeGreaterThan(0);
  expect(s.verdicts.every((v) => v.pass)).toBe(true);
}, 300_000);
