// The demo's fast clock: one simulated time that every demo process shares, running faster than the
// real one, so that the 2018 protocol (attempts on two days, in calling hours, spread over half-days)
// plays out in a couple of minutes without reachwatch knowing it is a demo.
//
// It replaces the wall clock (Date) and the timers (setTimeout, setInterval, node:timers,
// node:timers/promises, AbortSignal.timeout) of the process that installs it. performance.now()
// and the kernel's socket timeouts stay real: a loopback answer that takes 2 ms is measured as 2 ms.
//
// Time is a list of segments (from this real instant, this simulated one, at this speed), agreed
// between processes by value, never by "now": the daemon starts at real speed (its start-up has real
// timeouts), the demo then switches every process to fast at one future real instant, and back at
// the end. When a segment is added, every pending timer is re-armed for the new map, so a timer set
// for "09:00" fires at 09:00 simulated whatever the speed was when it was set.

import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import timers from 'node:timers';
import timersPromises from 'node:timers/promises';

export const CLOCK_ENV = 'REACHWATCH_DEMO_CLOCK';

export interface Segment {
  /** Real epoch ms at which this segment begins. */
  realAt: number;
  /** Simulated epoch ms at `realAt`. */
  simAt: number;
  /** Simulated ms per real ms. */
  speed: number;
}

export function encodeSegment(s: Segment): string {
  return `${s.realAt}:${s.simAt}:${s.speed}`;
}

export function decodeSegment(text: string): Segment {
  const [realAt, simAt, speed] = text.trim().split(':').map(Number);
  if (![realAt, simAt, speed].every((n) => Number.isFinite(n)) || (speed as number) <= 0) {
    throw new Error(`"${text}" is not "<real epoch ms>:<simulated epoch ms>:<speed>" with a positive speed.`);
  }
  return { realAt: realAt as number, simAt: simAt as number, speed: speed as number };
}

// performance.timeOrigin + now() is monotonic within a process and comparable across processes.
export const realNow = (): number => performance.timeOrigin + performance.now();

/** The timers as they were before the clock was installed, for waits that must be real (shutdown). */
export const realTimers = { setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout };

export class SimClock {
  private readonly segments: Segment[];
  /** Simulated time never runs backwards in a process, even if a switch arrives late. */
  private last = -Infinity;
  private readonly listeners: (() => void)[] = [];

  constructor(first: Segment) {
    this.segments = [first];
  }

  /** The segment in force at real instant `real`. */
  private segmentOf(real: number): Segment {
    let seg = this.segments[0] as Segment;
    for (const s of this.segments) if (s.realAt <= real) seg = s;
    return seg;
  }

  at(real: number): number {
    const seg = this.segmentOf(real);
    return seg.simAt + (real - seg.realAt) * seg.speed;
  }

  now(): number {
    this.last = Math.max(this.last, Math.floor(this.at(realNow())));
    return this.last;
  }

  /** The real instant at which the simulated clock reads `sim`. */
  realOf(sim: number): number {
    let seg = this.segments[0] as Segment;
    for (const s of this.segments) if (s.simAt <= sim) seg = s;
    return seg.realAt + (sim - seg.simAt) / seg.speed;
  }

  /** The speed at real instant `real`. */
  speedAt(real: number): number {
    return this.segmentOf(real).speed;
  }

  /** A segment that continues the clock from real instant `realAt` at `speed`. */
  segmentAt(realAt: number, speed: number): Segment {
    return { realAt, simAt: Math.floor(this.at(realAt)), speed };
  }

  add(segment: Segment): void {
    this.segments.push(segment);
    this.segments.sort((a, b) => a.realAt - b.realAt);
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}

let installed: SimClock | null = null;

/** A timer in simulated time: what setTimeout and setInterval return once the clock is installed. */
class SimTimer {
  // Far above the ids Node gives its own timers, so clearTimeout(number) never confuses the two.
  private static nextId = 2 ** 40;
  readonly id = SimTimer.nextId++;
  private real: NodeJS.Timeout | null = null;
  private refed = true;
  private cleared = false;
  deadline: number;
  private readonly clock: SimClock;
  private readonly live: Map<number, SimTimer>;
  private readonly delay: number;
  private readonly period: number | null;
  private readonly fn: (...args: unknown[]) => void;
  private readonly args: unknown[];

  constructor(clock: SimClock, live: Map<number, SimTimer>, delay: number, period: number | null, fn: (...args: unknown[]) => void, args: unknown[]) {
    this.clock = clock;
    this.live = live;
    this.delay = delay;
    this.period = period;
    this.fn = fn;
    this.args = args;
    this.deadline = clock.now() + delay;
    this.arm();
  }

  arm(): void {
    if (this.real) realTimers.clearTimeout(this.real);
    this.live.set(this.id, this);
    // Never below 50 µs, so a timer loop cannot starve the event loop.
    const wait = Math.max(0.05, this.clock.realOf(this.deadline) - realNow());
    this.real = realTimers.setTimeout(() => this.fire(), wait);
    if (!this.refed) this.real.unref();
  }

  private fire(): void {
    // Node truncates a timer's start to whole milliseconds, which at high speed is simulated seconds
    // early: wait out the rest rather than run before the simulated deadline.
    if (this.clock.now() < this.deadline) {
      this.arm();
      return;
    }
    if (this.period !== null) {
      this.deadline = this.clock.now() + this.period;
      this.arm();
    } else {
      this.real = null;
      this.live.delete(this.id);
    }
    this.fn(...this.args);
  }

  clear(): void {
    this.cleared = true;
    if (this.real) realTimers.clearTimeout(this.real);
    this.real = null;
    this.live.delete(this.id);
  }

  ref(): this {
    this.refed = true;
    this.real?.ref();
    return this;
  }

  unref(): this {
    this.refed = false;
    this.real?.unref();
    return this;
  }

  hasRef(): boolean {
    return this.refed;
  }

  refresh(): this {
    // As in Node: a cleared timer stays cleared; one that has fired is armed again.
    if (this.cleared) return this;
    this.deadline = this.clock.now() + (this.period ?? this.delay);
    this.arm();
    return this;
  }

  close(): this {
    this.clear();
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.id;
  }

  [Symbol.dispose](): void {
    this.clear();
  }
}

const toMs = (ms: unknown) => {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? n : 1;
};

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR', cause: signal.reason as unknown });
}

/** Replaces this process's Date and timers with the simulated ones. */
export function installFastClock(first: Segment): SimClock {
  if (installed) throw new Error('the demo clock is already installed');
  const clock = new SimClock(first);
  installed = clock;
  const now = () => clock.now();
  const live = new Map<number, SimTimer>();
  clock.onChange(() => {
    for (const t of [...live.values()]) t.arm();
  });

  // Date: `new Date()` and Date.now() read the simulated clock; `new Date(x)` is unchanged. The
  // prototype is shared, so instanceof holds both ways for dates made before and after.
  const RealDate = Date;
  function SimDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  SimDate.prototype = RealDate.prototype;
  Object.setPrototypeOf(SimDate, RealDate);
  Object.defineProperty(SimDate, 'now', { value: now, writable: true, configurable: true });
  globalThis.Date = SimDate as unknown as DateConstructor;

  const clearReal = timers.clearTimeout;
  const fastTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => new SimTimer(clock, live, toMs(ms), null, fn, args);
  const fastInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => new SimTimer(clock, live, toMs(ms), toMs(ms), fn, args);
  const fastClear = (t: unknown) => {
    if (t instanceof SimTimer) return t.clear();
    if (typeof t === 'number' && live.has(t)) return live.get(t)?.clear();
    clearReal(t as NodeJS.Timeout);
  };
  const sleep = <T>(ms?: number, value?: T, opts: { signal?: AbortSignal; ref?: boolean } = {}) =>
    new Promise<T>((resolve, reject) => {
      const signal = opts.signal;
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = () => {
        timer.clear();
        reject(abortError(signal as AbortSignal));
      };
      const timer = new SimTimer(clock, live, toMs(ms), null, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value as T);
      }, []);
      if (opts.ref === false) timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  // promisify(setTimeout) is used by some libraries: keep it working with the replacement.
  Object.defineProperty(fastTimeout, Symbol.for('nodejs.util.promisify.custom'), { value: sleep });

  const g = globalThis as unknown as Record<string, unknown>;
  const t = timers as unknown as Record<string, unknown>;
  for (const target of [g, t]) {
    target.setTimeout = fastTimeout;
    target.setInterval = fastInterval;
    target.clearTimeout = fastClear;
    target.clearInterval = fastClear;
  }
  (timersPromises as unknown as Record<string, unknown>).setTimeout = sleep;
  timersPromises.scheduler.wait = (ms: number, opts?: { signal?: AbortSignal }) => sleep(ms, undefined, opts);
  AbortSignal.timeout = (ms: number) => {
    const controller = new AbortController();
    new SimTimer(clock, live, toMs(ms), null, () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), []).unref();
    return controller.signal;
  };
  // ESM `import { setTimeout } from 'node:timers'` bindings follow the patched exports from here on.
  syncBuiltinESMExports();
  return clock;
}
