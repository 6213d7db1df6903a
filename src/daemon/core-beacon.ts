// What the front (src/daemon/front.ts) knows of the core without asking it: a heartbeat the core's
// event loop sets every HEARTBEAT_MS, and since when a database write has been in progress. Both are
// in shared memory, so the front reads the truth even while the core's thread is blocked in a system
// call (a frozen file system) and could send nothing. Times are milliseconds of the monotonic clock
// (process.hrtime), the same in every thread; performance.now() is not (each thread has its own
// origin). Slots are 64-bit integers written with Atomics: a Float64 store may tear.

import type { WriteBeacon } from '../store/write-beacon.ts';

/** How often the core's event loop beats. */
export const HEARTBEAT_MS = 200;

const HEARTBEAT = 0;
const WRITE_SINCE = 1;
const SLOTS = 2;
/** An empty slot: the monotonic clock is well past zero once the machine has booted. */
const NONE = 0n;

/** Milliseconds of the monotonic clock, comparable between threads. */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

export class CoreBeacon implements WriteBeacon {
  /** Handed to the core in workerData: both threads see the same memory. */
  readonly shared: SharedArrayBuffer;
  private readonly slots: BigInt64Array;
  /** Only the core's thread writes, so the nesting depth is its own. */
  private depth = 0;

  constructor(shared: SharedArrayBuffer = new SharedArrayBuffer(SLOTS * BigInt64Array.BYTES_PER_ELEMENT)) {
    this.shared = shared;
    this.slots = new BigInt64Array(shared);
  }

  /** The core: its event loop is running now. */
  beat(now = monotonicMs()): void {
    Atomics.store(this.slots, HEARTBEAT, BigInt(now));
  }

  begin(): void {
    if (this.depth++ === 0) Atomics.store(this.slots, WRITE_SINCE, BigInt(monotonicMs()));
  }

  end(): void {
    if (--this.depth === 0) Atomics.store(this.slots, WRITE_SINCE, NONE);
  }

  /** The front: how long ago the core last beat; null before its first beat. */
  sinceBeat(now = monotonicMs()): number | null {
    const at = Atomics.load(this.slots, HEARTBEAT);
    return at === NONE ? null : now - Number(at);
  }

  /** The front: how long the write in progress has been waiting; null when none is. */
  writePendingFor(now = monotonicMs()): number | null {
    const at = Atomics.load(this.slots, WRITE_SINCE);
    return at === NONE ? null : Math.max(0, now - Number(at));
  }
}
