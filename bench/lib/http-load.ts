// Parent side of the GET load generator (bench/lib/http-load-child.ts).

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { lagSummary } from './stats.ts';

const CHILD = fileURLToPath(new URL('./http-load-child.ts', import.meta.url));

export interface HttpLoadSpec {
  origin: string;
  paths: string[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface HttpLoadReport {
  windowS: number;
  requests: number;
  ok: number;
  perS: number;
  byStatus: Record<string, number>;
  latencyMs: ReturnType<typeof lagSummary>;
  lastError: string | null;
}

/** Runs one load (warm-up, then the measured window) and returns the report; `pid` lets the caller sample its CPU. */
export function runHttpLoad(spec: HttpLoadSpec): { pid: number; done: Promise<HttpLoadReport> } {
  const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const done = new Promise<HttpLoadReport>((resolve, reject) => {
    child.once('message', (m: { type: string; report: HttpLoadReport }) => {
      child.kill();
      resolve(m.report);
    });
    child.once('exit', (code) => reject(new Error(`the HTTP load generator exited (${String(code)}) before reporting`)));
  });
  child.send({ type: 'start', spec });
  return { pid: child.pid as number, done };
}
