// How long our own event loop could not run. When the daemon's CPU is starved (a saturated loop, a
// long garbage collection, a busy machine), its timers fire late and responses sit unread in the
// kernel: a healthy site then looks like a timeout. The prober stores what this watch saw during each
// probe, so the classifier can tell our stall from their silence using the evidence alone.
//
// While any probe is in flight, one timer per process ticks every `periodMs`; a tick that comes
// `floorMs` or more after it was due marks a stall (the loop ran nothing of ours meanwhile). Stalls go
// into a ring, and a probe that ends asks for the stalls that overlapped it, including one still going
// on as it asks. With nothing in flight the timer is off: an idle daemon pays nothing.

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
  #last = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #inFlight = 0;

  constructor(opts: LoopWatchOptions = {}) {
    this.#periodMs = opts.periodMs ?? 20;
    this.#floorMs = opts.floorMs ?? 20;
    const capacity = opts.capacity ?? 8192;
    this.#starts = new Float64Array(capacity);
    this.#ends = new Float64Array(capacity);
  }

  /** A probe starts: watch until its end(). Returns its start, the `from` to hand to end(). */
  begin(): number {
    const now = performance.now();
    if (this.#inFlight++ === 0) {
      this.#last = now;
      this.#timer = setInterval(() => this.#tick(), this.#periodMs);
      this.#timer.unref(); // a watch never keeps a process (a CLI check, a test) alive
    }
    return now;
  }

  /** The probe begun at `from` is over: our stalls since then. */
  end(from: number): LoopStalls {
    const stalls = this.#since(from);
    if (--this.#inFlight === 0) this.#stopTimer();
    return stalls;
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

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #since(from: number): LoopStalls {
    const now = performance.now();
    let stalled = 0;
    let max = 0;
    const add = (start: number, end: number): void => {
      const ms = Math.min(end, now) - Math.max(start, from);
      if (ms <= 0) return;
      stalled += ms;
      if (ms > max) max = ms;
    };
    // The stall we may be in right now: the tick that would record it has not run yet (the caller may
    // be a deadline timer that fired late, in the same timers phase).
    const due = this.#last + this.#periodMs;
    if (this.#timer !== undefined && now - due >= this.#floorMs) add(due, now);
    const cap = this.#starts.length;
    for (let i = 1; i <= this.#count; i++) {
      const k = (this.#next - i + cap) % cap;
      if ((this.#ends[k] as number) <= from) break;
      add(this.#starts[k] as number, this.#ends[k] as number);
    }
    return { stalledMs: round1(stalled), maxStallMs: round1(max) };
  }
}

let shared: LoopWatch | undefined;

/** The process's watch: every prober in a process sees the same loop. */
export function sharedLoopWatch(): LoopWatch {
  return (shared ??= new LoopWatch());
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}
