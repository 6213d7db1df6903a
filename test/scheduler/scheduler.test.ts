import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { nextSlot, parseSchedule, phaseOf, type Schedule } from '../../src/scheduler/schedule.ts';
import { Scheduler, type DueJob } from '../../src/scheduler/scheduler.ts';

const every = (spec: string): Schedule => parseSchedule(spec, 'Asia/Almaty') as Schedule;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Stopping waits for probes in flight, whose timers are fake: let time run while waiting. */
async function stopAll(s: Scheduler) {
  const done = s.stop();
  await vi.advanceTimersByTimeAsync(60_000);
  await done;
}

function harness(opts: { concurrency?: number; perHost?: number; runMs?: number; jitterMs?: number } = {}) {
  const runs: DueJob[] = [];
  let active = 0;
  let maxActive = 0;
  const hostActive = new Map<string, number>();
  let maxHost = 0;
  const channelActive = new Set<string>();
  let overlaps = 0;
  const hostOf = new Map<string, string>();
  const s = new Scheduler({
    concurrency: opts.concurrency ?? 100,
    perHostConcurrency: opts.perHost ?? 100,
    jitterMs: opts.jitterMs ?? 0,
    now: () => Date.now(),
    run: async (job) => {
      if (channelActive.has(job.channelId)) overlaps++;
      channelActive.add(job.channelId);
      runs.push(job);
      active++;
      maxActive = Math.max(maxActive, active);
      const h = hostOf.get(job.channelId) ?? '';
      hostActive.set(h, (hostActive.get(h) ?? 0) + 1);
      maxHost = Math.max(maxHost, hostActive.get(h) ?? 0);
      await new Promise((r) => setTimeout(r, opts.runMs ?? 10));
      hostActive.set(h, (hostActive.get(h) ?? 1) - 1);
      active--;
      channelActive.delete(job.channelId);
    },
  });
  const add = (id: string, spec: string, host = id, remembered: number | null = null) => {
    hostOf.set(id, host);
    s.upsert({ id, channelId: id, hostKey: host, schedule: every(spec) }, remembered);
  };
  return { s, runs, add, stats: () => ({ maxActive, maxHost, overlaps }) };
}

describe('schedule grid', () => {
  test('phases are stable per channel and spread evenly', () => {
    expect(phaseOf('a--web-x')).toBe(phaseOf('a--web-x'));
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(phaseOf(`center-${i}--web-site`) * 10)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(850);
    for (const b of buckets) expect(b).toBeLessThan(1150);
  });

  test('interval slots sit on the channel grid, strictly after the given time', () => {
    const s = every('5m');
    const t = nextSlot(s, 0.5, 1_000_000_000);
    expect(t).toBeGreaterThan(1_000_000_000);
    expect(t - 1_000_000_000).toBeLessThanOrEqual(300_000);
    expect(t % 300_000).toBe(150_000);
    expect(nextSlot(s, 0.5, t)).toBe(t + 300_000);
  });

  test('cron schedules follow the expression, with a stable offset inside the minute', () => {
    const s = every('*/10 * * * *');
    const t = nextSlot(s, 0.25, Date.now());
    const d = new Date(t);
    expect(d.getUTCMinutes() % 10).toBe(0);
    expect(d.getUTCSeconds()).toBe(15);
  });

  test('invalid schedules are refused with a sentence', () => {
    expect(parseSchedule('every five minutes', 'UTC')).toEqual({ error: expect.stringContaining('neither a duration') });
    expect(parseSchedule('10ms', 'UTC')).toEqual({ error: expect.stringContaining('1 second minimum') });
  });
});

describe('scheduler', () => {
  test('1,000 channels on a 60 s interval start spread over the minute, not at once', async () => {
    const h = harness();
    for (let i = 0; i < 1000; i++) h.add(`c${i}`, '60s');
    h.s.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.runs).toHaveLength(1000);
    const perSecond = new Map<number, number>();
    for (const r of h.runs) perSecond.set(Math.floor(r.startedAt / 1000), (perSecond.get(Math.floor(r.startedAt / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(40); // ~17/s on average
    await stopAll(h.s);
  });

  test('global and per-host concurrency caps hold', async () => {
    const h = harness({ concurrency: 5, perHost: 2, runMs: 2000 });
    for (let i = 0; i < 60; i++) h.add(`c${i}`, '10s', `host${i % 3}`);
    h.s.start();
    await vi.advanceTimersByTimeAsync(30_000);
    const st = h.stats();
    expect(st.maxActive).toBe(5);
    expect(st.maxHost).toBe(2);
    await stopAll(h.s);
  });

  test('a channel never has two probes in flight; overlapping runs are skipped, not queued', async () => {
    const h = harness({ runMs: 25_000 });
    h.add('slow', '10s');
    h.s.start();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(h.stats().overlaps).toBe(0);
    expect(h.s.skipped).toBeGreaterThan(0);
    // 100 s of 25 s probes on a 10 s grid: at most one run per 30 s (the next free slot).
    expect(h.runs.length).toBeLessThanOrEqual(4);
    await stopAll(h.s);
  });

  test('after a stall, each channel runs once at its next slot: missed runs are not replayed', async () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.add(`c${i}`, '10s');
    h.s.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const before = h.runs.length;
    expect(before).toBe(50);
    // The process is frozen for 10 minutes (laptop sleep, stop-the-world): the wall clock jumps.
    vi.setSystemTime(Date.now() + 600_000);
    await vi.advanceTimersByTimeAsync(10_000);
    const after = h.runs.slice(before);
    const perChannel = new Map<string, number>();
    for (const r of after) perChannel.set(r.channelId, (perChannel.get(r.channelId) ?? 0) + 1);
    expect(Math.max(...perChannel.values())).toBeLessThanOrEqual(2);
    expect(after.length).toBeLessThanOrEqual(100);
    await stopAll(h.s);
  });

  test('a remembered slot in the future is kept; one in the past yields the next grid slot, not an immediate run', async () => {
    const h = harness();
    const now = Date.now();
    h.add('kept', '5m', 'a', now + 42_000);
    h.add('stale', '5m', 'b', now - 3_600_000);
    h.s.start();
    await vi.advanceTimersByTimeAsync(41_000);
    expect(h.runs.map((r) => r.channelId)).not.toContain('kept');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.runs.find((r) => r.channelId === 'kept')?.slotAt).toBe(now + 42_000);
    const stale = nextSlot(every('5m'), phaseOf('stale'), now);
    const staleRun = h.runs.find((r) => r.channelId === 'stale');
    if (staleRun) expect(staleRun.slotAt).toBe(stale);
    else expect(stale).toBeGreaterThan(now + 43_000);
    await stopAll(h.s);
  });

  test('jitter is bounded by jitterMs and by 5% of the interval', async () => {
    const h = harness({ jitterMs: 60_000 });
    for (let i = 0; i < 200; i++) h.add(`c${i}`, '100s');
    h.s.start();
    await vi.advanceTimersByTimeAsync(110_000);
    for (const r of h.runs) {
      expect(r.dueAt - r.slotAt).toBeGreaterThanOrEqual(0);
      expect(r.dueAt - r.slotAt).toBeLessThan(5_000);
    }
    await stopAll(h.s);
  });

  test('two jobs of one channel (lookup and call) never run at once', async () => {
    const h = harness({ runMs: 3000 });
    h.s.upsert({ id: 'x#lookup', channelId: 'x', hostKey: 'a', schedule: every('5s') });
    h.s.upsert({ id: 'x#call', channelId: 'x', hostKey: 'b', schedule: every('5s') });
    h.s.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const runs = h.runs.map((r) => [r.startedAt, r.startedAt + 3000] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < runs.length; i++) expect(runs[i]![0]).toBeGreaterThanOrEqual(runs[i - 1]![1]);
    expect(h.s.skipped).toBeGreaterThan(0);
    await stopAll(h.s);
  });

  test('deferTo adds one extra run at the given time without changing the grid', async () => {
    const h = harness();
    h.add('d', '1h');
    h.s.start();
    const at = Date.now() + 90_000;
    h.s.deferTo('d', at);
    await vi.advanceTimersByTimeAsync(91_000);
    const extra = h.runs.filter((r) => r.slotAt === at);
    expect(extra).toHaveLength(1);
    expect(h.runs.length).toBeLessThanOrEqual(2); // the extra run, and at most the regular hourly slot
    await stopAll(h.s);
  });

  test('a host may have its own limit (concurrent calls)', async () => {
    const s = new Scheduler({ concurrency: 50, perHostConcurrency: 10, jitterMs: 0, now: () => Date.now(), hostLimit: (host) => (host === 'twilio-calls' ? 2 : undefined), run: async () => {
      active++;
      max = Math.max(max, active);
      await new Promise((r) => setTimeout(r, 5000));
      active--;
    } });
    let active = 0;
    let max = 0;
    for (let i = 0; i < 10; i++) s.upsert({ id: `p${i}#call`, channelId: `p${i}`, hostKey: 'twilio-calls', schedule: every('10s') });
    s.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(max).toBe(2);
    await stopAll(s);
  });

  test('the job carries the following slot so the store can remember it', async () => {
    const h = harness();
    h.add('x', '60s');
    h.s.start();
    await vi.advanceTimersByTimeAsync(61_000);
    const r = h.runs[0] as DueJob;
    expect(r.nextSlotAt).toBe(r.slotAt + 60_000);
    await stopAll(h.s);
  });
});

describe('inline jobs (the slots of other vantage points)', () => {
  test("run at every slot even while the channel's own probe is in flight and every concurrency slot is taken, and never block it", async () => {
    const runs: DueJob[] = [];
    const s = new Scheduler({
      concurrency: 1,
      perHostConcurrency: 1,
      jitterMs: 0,
      now: () => Date.now(),
      run: async (job) => {
        runs.push(job);
        // The channel's own probe takes far longer than its interval; the inline job returns at once.
        if (!job.jobId.includes('@')) await new Promise((r) => setTimeout(r, 25_000));
      },
    });
    s.upsert({ id: 'a#http', channelId: 'a', hostKey: 'h', schedule: every('10s') });
    s.upsert({ id: 'a#http@kz', channelId: 'a', hostKey: 'agent:kz', schedule: every('10s'), inline: true });
    s.start();
    await vi.advanceTimersByTimeAsync(60_000);
    await stopAll(s);
    const inline = runs.filter((r) => r.jobId === 'a#http@kz');
    const own = runs.filter((r) => r.jobId === 'a#http');
    // Six slots in a minute: every one opened, each once, each with the next slot as its successor.
    expect(inline.length).toBe(6);
    expect(new Set(inline.map((r) => r.slotAt)).size).toBe(6);
    for (const r of inline) expect(r.nextSlotAt).toBe(r.slotAt + 10_000);
    // The channel's own probe still ran (skipping the slots that overlapped its long probe), unblocked by the inline job.
    expect(own.length).toBeGreaterThanOrEqual(2);
    expect(s.inFlightCount).toBe(0);
  });
});
