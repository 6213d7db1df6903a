// The calls-per-second limit under a backlog: the real daemon with N phone channels all due at the
// same instant (the worst case of calling hours opening on a night's deferred calls), calling the
// local Twilio-protocol server, whose request log times every calls.create as it arrives.
// Calls end busy after a few ms, so the backlog, not call length or max_concurrent_calls, sets the pace.

import { performance } from 'node:perf_hooks';
import { startPhoneBench } from '../lib/phone-daemon.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, fmtMs, renderTable, sleep } from '../lib/stats.ts';

interface CpsRun {
  callsPerSecond: number;
  backlog: number;
  windowS: number;
  /** calls.create requests that reached the fake inside the window. */
  created: number;
  meanPerS: number;
  /** Most calls.create arrivals at the fake in any sliding 1 s, over the whole run (onset, window, shutdown). */
  maxIn1s: number;
  /** The same, from the daemon's own record (CallPacer.starts, when each create was let go). */
  pacerMaxIn1s: number;
  /** Arrivals in the first second after the backlog fell due. */
  firstSecond: number;
  /** Shortest gap between two consecutive arrivals, against the pacer's spacing of 1000/cps ms. */
  minGapMs: number | null;
  /**
   * From the pacer letting a create go to its arrival at the fake: the first (a cold client and
   * connection) and the largest. A spread here bunches arrivals that the pacer spaced evenly.
   */
  firstLatencyMs: number | null;
  maxLatencyMs: number | null;
  /** calls.create arrivals after the window, while the daemon stopped. */
  afterWindow: number;
  /** Probes of finished calls stored during the window (the calls really ended and were recorded). */
  callsStored: number;
}

export const cpsSection: BenchSection = {
  name: 'cps',
  title: 'Calls per second under a backlog: calls.create pacing (real daemon, local Twilio-protocol server)',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const backlog = opts.quick ? 100 : 1000;
    // At 1 call/s a 1,000 backlog takes 1,000 s: each limit is measured over a fixed window with the
    // backlog still there. The production default (1/s) goes first: the first calls.create of a process
    // is the slowest to leave (twilio-node loads its REST modules lazily), as after a daemon restart.
    const plan = opts.quick ? [{ cps: 5, windowS: opts.durationS }] : [{ cps: 1, windowS: Math.max(10, Math.round((opts.durationS * 2) / 3)) }, { cps: 5, windowS: opts.durationS }];
    const runs: CpsRun[] = [];
    for (const p of plan) {
      ctx.progress(`cps: ${fmtInt(backlog)} phone channels due at once, calls_per_second ${p.cps}, ${p.windowS} s window`);
      runs.push(await runOnce(backlog, p.cps, p.windowS));
    }

    const verdicts: Verdict[] = [];
    for (const r of runs) {
      verdicts.push(
        { target: `calls.create never more than ${r.callsPerSecond} in any 1 s (limit ${r.callsPerSecond}/s, ${fmtInt(r.backlog)} due)`, pass: r.maxIn1s <= r.callsPerSecond, measured: `max ${r.maxIn1s} in 1 s` },
        { target: `no burst when the ${fmtInt(r.backlog)} fell due (limit ${r.callsPerSecond}/s)`, pass: r.firstSecond <= r.callsPerSecond, measured: `${r.firstSecond} calls in the first second` },
      );
    }
    const text = [
      `Calling window open all week, per-number caps 1/day (each channel one number), max_concurrent_calls 100, scripted calls busy after ~6 ms. ` +
        `Arrival times are the fake's request log (ms clock; what Twilio would count), pacer times CallPacer.starts (when the daemon let each create go); ` +
        `the sliding 1 s windows are half-open [t, t + 1000 ms) over the whole run, onset and shutdown included.`,
      '',
      renderTable(
        ['calls/s limit', 'due at once', 'window', 'placed', 'mean/s', 'max in 1 s (fake / pacer)', 'first 1 s', 'min gap', 'pacer→fake first / max', 'stored', 'after window'],
        runs.map((r) => [
          String(r.callsPerSecond),
          fmtInt(r.backlog),
          `${r.windowS.toFixed(1)} s`,
          fmtInt(r.created),
          r.meanPerS.toFixed(2),
          `${r.maxIn1s} / ${r.pacerMaxIn1s}`,
          String(r.firstSecond),
          fmtMs(r.minGapMs),
          `${fmtMs(r.firstLatencyMs)} / ${fmtMs(r.maxLatencyMs)}`,
          fmtInt(r.callsStored),
          fmtInt(r.afterWindow),
        ]),
      ),
    ].join('\n');
    return { name: this.name, text, verdicts, data: { runs } };
  },
};

async function runOnce(backlog: number, cps: number, windowS: number): Promise<CpsRun> {
  const bench = await startPhoneBench({
    channels: backlog,
    logLevel: 'warn',
    // The window is measured; what waits for the pacer at its end is abandoned rather than waited for.
    stopGraceMs: 200,
    scheduler: { defaults: { website: '1h', lookup: '1d', call: '1h' } },
    telephony: {
      methods: ['call'],
      calls_per_second: cps,
      max_concurrent_calls: 100,
      calling_hours: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59' },
      per_number: { per_day: 1, per_week: 3 },
      monthly_spend_cap: 1_000_000,
      ring_timeout: '5s',
      time_limit: '120s',
      callback_grace: '1s',
      min_slots: 1,
    },
  });
  const creates = (): number[] => bench.fake.requests.filter((r) => r.operation === 'calls.create').map((r) => r.at);
  let windowEnd = 0;
  let dueAt = 0;
  let callsStored = 0;
  let pacerStarts: number[] = [];
  try {
    bench.fake.script('*', { outcome: 'busy' });
    const scheduler = bench.daemon.monitor.scheduler;
    dueAt = Date.now() + 1000;
    // The scheduler's one-off runs (what calling hours opening and follow-ups use), all at one instant.
    for (const job of scheduler.jobIds()) scheduler.deferTo(job, dueAt);
    await sleep(dueAt - Date.now());
    const t0 = performance.now();
    await sleep(windowS * 1000);
    windowEnd = dueAt + Math.round(performance.now() - t0);
    callsStored = (bench.daemon.db.prepare("SELECT count(*) AS n FROM probes WHERE method = 'call'").get() as { n: number }).n;
  } finally {
    // Closing first, so calls placed while the daemon stops are counted too.
    await bench.close();
    pacerStarts = [...bench.telephony.pacer.starts];
  }
  const all = creates().sort((a, b) => a - b);
  const windowMs = windowEnd - dueAt;
  const placed = all.filter((t) => t >= dueAt && t < windowEnd).length;
  const gaps = all.slice(1).map((t, i) => t - (all[i] as number));
  // Releases and arrivals pair up in order: the pacer lets one create go at a time, ≥ 200 ms apart.
  const latencies = pacerStarts.slice(0, all.length).map((t, i) => (all[i] as number) - t);
  return {
    callsPerSecond: cps,
    backlog,
    windowS: windowMs / 1000,
    created: placed,
    meanPerS: placed / (windowMs / 1000),
    maxIn1s: maxInWindow(all, 1000),
    pacerMaxIn1s: maxInWindow(pacerStarts, 1000),
    firstSecond: all.filter((t) => t >= dueAt && t < dueAt + 1000).length,
    minGapMs: gaps.length ? Math.min(...gaps) : null,
    firstLatencyMs: latencies[0] ?? null,
    maxLatencyMs: latencies.length ? Math.max(...latencies) : null,
    afterWindow: all.filter((t) => t >= windowEnd).length,
    callsStored,
  };
}

/** The most timestamps in any half-open window [t, t + width) of a sorted list. */
export function maxInWindow(sorted: readonly number[], width: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) >= width) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}
