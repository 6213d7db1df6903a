// One timer, one heap, two concurrency caps. The scheduler decides *when* a channel is probed and
// hands it to `run`; it knows nothing of probing, classification or storage.
//
// Guarantees:
//  - a channel never has two probes in flight (a due run that finds one in flight is skipped);
//  - at most `concurrency` probes run at once, and at most `perHostConcurrency` against one host;
//  - after a stall or downtime each channel takes its next slot: missed runs are never replayed.

import { MinHeap } from './heap.ts';
import { nextSlot, phaseOf, type Schedule } from './schedule.ts';

export interface SchedulerOptions {
  concurrency: number;
  perHostConcurrency: number;
  /** Random jitter added to each run, at most this many ms and at most 5% of the interval. */
  jitterMs: number;
  now?: () => number;
  random?: () => number;
  /** Runs one probe. `nextDueAt` is the slot after this one, to be persisted with the result. */
  run: (job: DueJob) => Promise<void>;
  /** Probes in flight allowed for a host key, when it differs from perHostConcurrency (Twilio calls). */
  hostLimit?: (hostKey: string) => number | undefined;
  onSkip?: (channelId: string, reason: 'overlap') => void;
}

/** A scheduled job: one probe method of one channel. Two jobs of a channel never run at once. */
export interface ScheduledChannel {
  /** Job id, `<channel id>#<method>`. */
  id: string;
  channelId: string;
  hostKey: string;
  schedule: Schedule;
  /**
   * Its run only records that a slot is due (a job of another vantage point, which an agent probes):
   * it starts at once, outside the concurrency caps, and does not keep the channel's own probes from
   * running nor wait for them.
   */
  inline?: boolean;
}

export interface DueJob {
  jobId: string;
  channelId: string;
  /** The slot this run belongs to (without jitter). */
  slotAt: number;
  /** When it was due (slot + jitter); start − dueAt is the scheduler lag. */
  dueAt: number;
  startedAt: number;
  /** The next slot, for the store to remember across restarts. */
  nextSlotAt: number;
}

interface Entry {
  dueAt: number;
  slotAt: number;
  channel: ScheduledChannel;
  phase: number;
  /** Bumped when the channel is replaced or removed, so stale heap entries are ignored. */
  generation: number;
  /** A one-off run (a follow-up or a deferral): it does not schedule a following slot. */
  oneOff?: boolean;
}

export class Scheduler {
  private readonly heap = new MinHeap<Entry>();
  private readonly channels = new Map<string, { channel: ScheduledChannel; generation: number; phase: number }>();
  private readonly inFlight = new Set<string>();
  private readonly waiting = new Set<string>();
  private readonly hostQueues = new Map<string, Entry[]>();
  private readonly hostActive = new Map<string, number>();
  private readonly runnableHosts: string[] = [];
  private readonly runnableSet = new Set<string>();
  private active = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly settled = new Set<Promise<void>>();
  /** Observed lag (start − due) in ms of the most recent starts, for metrics and benchmarks. */
  readonly lagSamples: number[] = [];
  skipped = 0;
  started = 0;

  private readonly opts: SchedulerOptions;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  get size(): number {
    return this.channels.size;
  }

  get inFlightCount(): number {
    return this.active;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Adds or replaces a channel. `rememberedSlot` is the next slot stored before a restart: if it is
   * still ahead it is kept, otherwise the channel takes its next grid slot (no catch-up burst).
   */
  upsert(channel: ScheduledChannel, rememberedSlot: number | null = null): void {
    const prev = this.channels.get(channel.id);
    const generation = (prev?.generation ?? 0) + 1;
    const phase = phaseOf(channel.id);
    this.channels.set(channel.id, { channel, generation, phase });
    const now = this.now();
    const slotAt = rememberedSlot !== null && rememberedSlot > now ? rememberedSlot : nextSlot(channel.schedule, phase, now);
    this.push({ channel, phase, generation, slotAt, dueAt: slotAt + this.jitter(channel.schedule) });
  }

  remove(jobId: string): void {
    this.channels.delete(jobId);
  }

  has(jobId: string): boolean {
    return this.channels.has(jobId);
  }

  jobIds(): string[] {
    return [...this.channels.keys()];
  }

  /**
   * Adds a one-off run of a job at `at` besides its regular slots: a call refused outside calling
   * hours runs when they open; an unconfirmed failure is tried again on another day (2018 protocol).
   */
  deferTo(jobId: string, at: number): void {
    const c = this.channels.get(jobId);
    if (!c) return;
    this.push({ channel: c.channel, phase: c.phase, generation: c.generation, slotAt: at, dueAt: at, oneOff: true });
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  /** Stops taking new work and waits for probes in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const q of this.hostQueues.values()) for (const e of q) this.waiting.delete(e.channel.channelId);
    this.hostQueues.clear();
    this.runnableHosts.length = 0;
    this.runnableSet.clear();
    await Promise.allSettled([...this.settled]);
  }

  private jitter(schedule: Schedule): number {
    const span = schedule.kind === 'interval' ? Math.min(this.opts.jitterMs, schedule.everyMs * 0.05) : this.opts.jitterMs;
    return Math.floor(this.random() * span);
  }

  private push(e: Entry): void {
    this.heap.push(e);
    const top = this.heap.peek();
    if (this.running && top === e) this.arm();
  }

  private arm(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const top = this.heap.peek();
    if (!top) {
      this.timer = null;
      return;
    }
    // Wake at least once a second so a wall-clock step (NTP) cannot leave the heap asleep for long.
    const delay = Math.max(0, Math.min(top.dueAt - this.now(), 1000));
    this.timer = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.timer = null;
    const now = this.now();
    for (let top = this.heap.peek(); top && top.dueAt <= now; top = this.heap.peek()) {
      const e = this.heap.pop() as Entry;
      const current = this.channels.get(e.channel.id);
      if (!current || current.generation !== e.generation) continue;
      // Schedule the following slot first: the channel's rhythm never depends on how long a probe takes.
      if (!e.oneOff) {
        const following = nextSlot(e.channel.schedule, e.phase, Math.max(e.slotAt, now - 1));
        this.heap.push({ ...e, slotAt: following, dueAt: following + this.jitter(e.channel.schedule) });
      }
      if (e.channel.inline) {
        this.startInline(e, now);
        continue;
      }
      if (this.inFlight.has(e.channel.channelId) || this.waiting.has(e.channel.channelId)) {
        this.skipped++;
        this.opts.onSkip?.(e.channel.channelId, 'overlap');
        continue;
      }
      this.enqueue(e);
    }
    this.dispatch();
    this.arm();
  }

  private enqueue(e: Entry): void {
    const host = e.channel.hostKey;
    let q = this.hostQueues.get(host);
    if (!q) {
      q = [];
      this.hostQueues.set(host, q);
    }
    q.push(e);
    this.waiting.add(e.channel.channelId);
    this.markRunnable(host);
  }

  private markRunnable(host: string): void {
    if (this.runnableSet.has(host)) return;
    const q = this.hostQueues.get(host);
    if (!q || q.length === 0) return;
    if ((this.hostActive.get(host) ?? 0) >= (this.opts.hostLimit?.(host) ?? this.opts.perHostConcurrency)) return;
    this.runnableSet.add(host);
    this.runnableHosts.push(host);
  }

  private dispatch(): void {
    while (this.active < this.opts.concurrency && this.runnableHosts.length > 0) {
      const host = this.runnableHosts.shift() as string;
      this.runnableSet.delete(host);
      const q = this.hostQueues.get(host);
      const e = q?.shift();
      if (!q || !e) continue;
      if (q.length === 0) this.hostQueues.delete(host);
      this.start1(e, host);
      this.markRunnable(host);
    }
  }

  private startInline(e: Entry, now: number): void {
    const nextSlotAt = nextSlot(e.channel.schedule, e.phase, Math.max(e.slotAt, now));
    const p = this.opts
      .run({ jobId: e.channel.id, channelId: e.channel.channelId, slotAt: e.slotAt, dueAt: e.dueAt, startedAt: now, nextSlotAt })
      .catch(() => undefined)
      .finally(() => this.settled.delete(p));
    this.settled.add(p);
  }

  private start1(e: Entry, host: string): void {
    const id = e.channel.channelId;
    this.waiting.delete(id);
    this.inFlight.add(id);
    this.active++;
    this.hostActive.set(host, (this.hostActive.get(host) ?? 0) + 1);
    const startedAt = this.now();
    this.started++;
    this.lagSamples.push(startedAt - e.dueAt);
    if (this.lagSamples.length > 100_000) this.lagSamples.splice(0, 50_000);
    const nextSlotAt = nextSlot(e.channel.schedule, e.phase, Math.max(e.slotAt, startedAt));
    const p = this.opts
      .run({ jobId: e.channel.id, channelId: id, slotAt: e.slotAt, dueAt: e.dueAt, startedAt, nextSlotAt })
      .catch(() => undefined)
      .finally(() => {
        this.settled.delete(p);
        this.inFlight.delete(id);
        this.active--;
        const n = (this.hostActive.get(host) ?? 1) - 1;
        if (n <= 0) this.hostActive.delete(host);
        else this.hostActive.set(host, n);
        this.markRunnable(host);
        if (this.running) this.dispatch();
      });
    this.settled.add(p);
  }
}
