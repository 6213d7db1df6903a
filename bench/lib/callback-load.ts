// Parent side of the status-callback load generator: starts bench/lib/callback-load-child.ts (its
// own process, so the generator's CPU is not the daemon's) and steps it through warm-up, the
// measured window and the stop.

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { lagSummary } from './stats.ts';

const CHILD = fileURLToPath(new URL('./callback-load-child.ts', import.meta.url));

/** Forged callbacks carry SequenceNumbers from here up, so a stored one would stand out. */
export const FORGED_SEQ_BASE = 1_000_000_000;

export interface LoadAttempt {
  id: string;
  callSid: string;
  to: string;
}

export interface LoadSpec {
  /** Where the daemon listens (http://127.0.0.1:port). */
  origin: string;
  /** REACHWATCH_PUBLIC_URL, which the signatures cover. */
  publicUrl: string;
  authToken: string;
  accountSid: string;
  from: string;
  attempts: LoadAttempt[];
  /** Requests in flight: keep-alive connections, one request each (closed loop). */
  concurrency: number;
  /** Every n-th request is forged (signed with another token); 0 for none. */
  forgedEvery: number;
}

export interface LoadCounts {
  valid: number;
  forged: number;
  /** HTTP status (or "error") → count. */
  validByStatus: Record<string, number>;
  forgedByStatus: Record<string, number>;
}

export interface LoadReport {
  /** Everything sent, warm-up and drain included: what the database must hold. */
  total: LoadCounts;
  /** The measured window only. */
  window: LoadCounts & { latencyMs: ReturnType<typeof lagSummary> };
  lastError: string | null;
}

export type LoadMessage = { type: 'start'; spec: LoadSpec } | { type: 'measure' } | { type: 'stop' };

export interface CallbackLoad {
  readonly pid: number;
  /** Starts the measured window (latencies and window counts). */
  measure(): void;
  /** Stops sending, waits for the requests in flight and returns the counts. */
  stop(): Promise<LoadReport>;
  kill(): void;
}

export function startCallbackLoad(spec: LoadSpec): CallbackLoad {
  const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const send = (m: LoadMessage): void => void child.send(m);
  send({ type: 'start', spec });
  return {
    pid: child.pid as number,
    measure: () => send({ type: 'measure' }),
    stop: () =>
      new Promise<LoadReport>((resolve, reject) => {
        child.once('message', (m: { type: string; report: LoadReport }) => {
          child.kill();
          if (m.type === 'done') resolve(m.report);
          else reject(new Error(`unexpected ${m.type}`));
        });
        void exited.then(([code]) => reject(new Error(`the callback load generator exited (${String(code)}) before reporting`)));
        send({ type: 'stop' });
      }),
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}
