// Keeps the audio benchmark from rotting: `npm run bench -- --only audio --quick --json` must make its
// audio, find the tone and the label in it, and report CPU figures. How fast is the benchmark's business.

import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';

test('npm run bench -- --only audio --quick --json reports the analysis CPU time and finds the tone and label', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.ts', '--only', 'audio', '--quick', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  expect(code, stderr).toBe(0);
  const audio = (JSON.parse(stdout) as { sections: Record<string, Record<string, unknown>> }).sections.audio as {
    skipped: string | null;
    runs: number;
    cpuMs: Record<string, { n: number; p50: number | null; max: number | null }>;
    found: { sitAt: number | null; label: string | null; similarity: number | null };
    verdicts: { target: string; pass: boolean }[];
  };
  expect(audio.skipped).toBeNull();
  expect(audio.runs).toBe(5);
  for (const step of ['sit', 'fingerprint', 'tonesAndFingerprint', 'match', 'analyse']) {
    expect(audio.cpuMs[step]?.n, step).toBe(5);
    expect(audio.cpuMs[step]?.p50, step).toBeTypeOf('number');
  }
  expect(audio.found.sitAt).toBeCloseTo(2, 1);
  expect(audio.found.label).toBe('ru_switched_off');
  expect(audio.verdicts.map((v) => v.target)).toEqual(['tones and fingerprint of 30 s of audio < 50 ms CPU (median)']);
}, 180_000);
