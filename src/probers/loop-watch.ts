// How long our own event loop could not run. When the daemon's CPU is starved (a saturated loop, a
// long garbage collection, a busy machine), its timers fire late and responses sit unread in the
// kernel: a healthy site then looks like a timeout. The prober stores what this watch saw during each
// probe, so the classifier can tell our stall from their silence using the evidence alone.
//
// One interval timer per process ticks every `periodMs`; a tick that comes `floorMs` or more after it
// was due marks a stall (the loop ran nothing of ours meanwhile). Stalls go into a ring, and a probe
// asks for the stalls that overlap its own window, including one still going on as it asks.

import { performance } from 'node:perf_hooks';

export interface LoopStalls {
  /** Sum of our loop's stalls that overlapped the window, in ms (0.1 ms). */
  stalledMs: number;
  /** The longest of them within the window. */
  maxStallMs: number;
}

export interface LoopWatchOptions {
  periodMs?: number;
  /** Shorter delays are the ordinary jitter of a timer and are not counted. */
  floorMs?: number;
  /** Stalls remembered; a probe longer than this many stalls back sees only the newest ones. */
  capacity?: number;
}

export class LoopWatch {
  readonly #periodMs: number;
  readonly #floorMs: number;
  readonly #starts: Float64Array;
  readonly #ends: Float64Array;
  #next = 0;
  #count = 0;
  #last = performance.now();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(opts: LoopWatchOptions = {}) {
    this.#periodMs = opts.periodMs ?? 10;
    this.#floorMs = opts.floorMs ?? 20;
    const capacity = opts.capacity ?? 8192;
    this.#starts = new Float64Array(capacity);
    this.#ends = new Float64Array(capacity);
    this.#timer = setInterval(() => this.#tick(), this.#periodMs);
    this.#timer.unref(); // a watch never keeps a process (a CLI check, a test) alive
  }

  #tick(): void {
    const now = performance.now();
    const due = this.#last + this.#periodMs;
    if (now - due >= this.#floorMs) {
      const at = this.#next;
      this.#starts[at] = due;
      this.#ends[at] = now;
      this.#next = (at + 1) % this.#starts.length;
      this.#count = Math.min(this.#count + 1, this.#starts.length);
    }
    this.#last = now;
  }

  /** Our stalls between `from` (a performance.now() time) and now. */
  since(from: number): LoopStalls {
    const now = performance.now();
    let stalled = 0;
    let max = 0;
    const add = (start: number, end: number): void => {
      const ms = Math.min(end, now) - Math.max(start, from);
      if (ms <= 0) return;
      stalled += ms;
      if (ms > max) max = ms;
    };
    // The stall we may be in right now: the tick that would record it has not run yet (the caller is
    // typically a deadline timer that fired late, in the same timers phase).
    const due = this.#last + this.#periodMs;
    if (now - due >= this.#floorMs) add(due, now);
    const cap = this.#starts.length;
    for (let i = 1; i <= this.#count; i++) {
      const k = (this.#next - i + cap) % cap;
      if ((this.#ends[k] as number) <= from) break;
      add(this.#starts[k] as number, this.#ends[k] as number);
    }
    return { stalledMs: round1(stalled), maxStallMs: round1(max) };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

let shared: LoopWatch | undefined;

/** The process's watch, started on first use: every prober in a process sees the same loop. */
export function sharedLoopWatch(): LoopWatch {
  return (shared ??= new LoopWatch());
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}
