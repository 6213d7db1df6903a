// The daemon's probing throughput: N loopback sites, the real Monitor, a fixed window.
// With --saturate it then steps the interval down until the daemon no longer keeps up.

import { DEFAULTS } from '../../src/config/config.ts';
import { BENCH_TIMEOUTS, runDaemon, type RunResult } from '../lib/daemon.ts';
import { countKinds, SITE_KINDS, type SiteKind } from '../lib/plan.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, fmtMB, fmtMs, fmtPct, renderTable } from '../lib/stats.ts';

export const TARGETS = { probesPerS: 3000, lagP99Ms: 250, rssBytes: 250 * 1024 * 1024, sustainedShare: 0.95 } as const;

/** A step keeps up when it stores ≥ 95 % of the demand with lag p99 under the target. */
export function keptUp(r: RunResult): boolean {
  return r.storedPerS >= TARGETS.sustainedShare * r.demandPerS && (r.lagMs.p99 ?? Infinity) <= TARGETS.lagP99Ms;
}

export const probesSection: BenchSection = {
  name: 'probes',
  title: 'Website probes: scheduler → prober → classifier → store (real Monitor, loopback sites)',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const farm = await ctx.sites();
    ctx.progress(`probes: run at ${opts.intervalMs} ms interval`);
    const main = await runDaemon(farm, { channels: opts.channels, intervalMs: opts.intervalMs, concurrency: opts.concurrency, warmupS: opts.warmupS, durationS: opts.durationS }, ctx.progress);

    const ladder: RunResult[] = [];
    if (opts.saturate) {
      const step = async (intervalMs: number): Promise<RunResult> => {
        ctx.progress(`probes --saturate: step at ${intervalMs} ms interval`);
        const r = await runDaemon(farm, { channels: opts.channels, intervalMs, concurrency: opts.concurrency, warmupS: opts.warmupS, durationS: opts.durationS }, ctx.progress);
        ladder.push(r);
        ctx.progress(`  → ${fmtInt(r.storedPerS)}/s stored of ${fmtInt(r.demandPerS)}/s demanded, lag p99 ${fmtMs(r.lagMs.p99)}: ${keptUp(r) ? 'kept up' : 'saturated'}`);
        return r;
      };
      let lastGood: RunResult | null = null;
      for (const intervalMs of ladderIntervals(opts.channels)) {
        const r = await step(intervalMs);
        if (keptUp(r)) {
          lastGood = r;
          continue;
        }
        // One more step halfway between the last interval that kept up and this one narrows the knee.
        const mid = lastGood ? Math.round((lastGood.intervalMs + intervalMs) / 20) * 10 : intervalMs;
        if (lastGood && mid !== intervalMs && mid !== lastGood.intervalMs) await step(mid);
        break;
      }
      ladder.sort((a, b) => b.intervalMs - a.intervalMs);
    }
    const sustained = ladder.filter(keptUp).reduce<RunResult | null>((best, r) => (best === null || r.storedPerS > best.storedPerS ? r : best), null);

    const text = [
      `Mix of ${fmtInt(opts.channels)} sites: ${Object.entries(countKinds(opts.channels)).map(([k, n]) => `${n} ${k}`).join(', ')}. ` +
        `Bench timeouts: connect ${BENCH_TIMEOUTS.connect}, TLS ${BENCH_TIMEOUTS.tls}, headers ${BENCH_TIMEOUTS.headers}, total ${BENCH_TIMEOUTS.total}; ` +
        `concurrency ${opts.concurrency}, per host 2; canaries off; SQLite WAL + synchronous=FULL, ` +
        `batches of ${DEFAULTS.store.batchMaxRows} / ${DEFAULTS.store.flushIntervalMs} ms (defaults).`,
      '',
      mainTable(main),
      '',
      outcomeTable(main),
      ...(opts.saturate ? ['', ladderTable(ladder), '', saturationLine(ladder, sustained)] : []),
    ].join('\n');

    const verdicts: Verdict[] = [];
    if (!opts.quick) {
      verdicts.push(
        { target: `≥ ${fmtInt(TARGETS.probesPerS)} fresh-connection probes/s stored`, pass: main.storedPerS >= TARGETS.probesPerS, measured: `${fmtInt(main.storedPerS)}/s` },
        { target: `scheduler lag p99 < ${TARGETS.lagP99Ms} ms`, pass: (main.lagMs.p99 ?? Infinity) < TARGETS.lagP99Ms, measured: fmtMs(main.lagMs.p99) },
        { target: `peak RSS < ${fmtMB(TARGETS.rssBytes)} at ${fmtInt(opts.channels)} channels`, pass: main.peakRssBytes < TARGETS.rssBytes, measured: fmtMB(main.peakRssBytes) },
      );
    }
    const bad = misclassified(main);
    verdicts.push({ target: 'refused and hanging sites classified unavailable, fast and slow reachable', pass: bad === 0, measured: `${fmtInt(bad)} misclassified` });
    if (opts.saturate) {
      verdicts.push({
        target: `highest sustained rate ≥ ${fmtInt(TARGETS.probesPerS)}/s (--saturate)`,
        pass: (sustained?.storedPerS ?? 0) >= TARGETS.probesPerS,
        measured: sustained ? `${fmtInt(sustained.storedPerS)}/s` : 'no step kept up',
      });
    }
    return { name: this.name, text, verdicts, data: { run: main, ladder, highestSustainedPerS: sustained?.storedPerS ?? null } };
  },
};

/**
 * Demand from ~2,000/s up by ×1.25 a step (2,000 → 2,500 → 3,125 → 3,906 → …), as intervals rounded
 * to 10 ms; the scheduler's floor is 1 s, so few channels cannot demand much (use more --channels).
 */
export function ladderIntervals(channels: number): number[] {
  const out: number[] = [];
  for (let demand = 2000; ; demand *= 1.25) {
    const interval = Math.max(1000, Math.round((channels * 1000) / demand / 10) * 10);
    if (out.at(-1) !== interval) out.push(interval);
    if (interval === 1000) return out;
  }
}

function mainTable(r: RunResult): string {
  const rows: [string, string][] = [
    ['channels / interval', `${fmtInt(r.channels)} every ${r.intervalMs} ms`],
    ['demanded probes/s', fmtInt(r.demandPerS)],
    ['probes started/s', fmtInt(r.startedPerS)],
    ['probes stored/s (committed)', fmtInt(r.storedPerS)],
    ['rows written/s (probe + state + changes)', fmtInt(r.rowsPerS)],
    ['lag due→start p50 / p95 / p99 / max', `${fmtMs(r.lagMs.p50)} / ${fmtMs(r.lagMs.p95)} / ${fmtMs(r.lagMs.p99)} / ${fmtMs(r.lagMs.max)}`],
    ['runs skipped (still in flight)', fmtInt(r.skippedOverlap)],
    ['max probes in flight / max write queue', `${fmtInt(r.maxInFlight)} / ${fmtInt(r.maxWriterPending)}`],
    ['peak RSS in window (daemon, 100 ms samples)', fmtMB(r.peakRssBytes)],
    ['max RSS of the process so far (incl. start-up)', fmtMB(r.processMaxRssBytes)],
    ['event-loop utilisation / delay p99', `${fmtPct(r.eventLoopUtilisation)} / ${fmtMs(r.eventLoopDelayP99Ms)}`],
    ['HTTP requests/s answered by the site farm', fmtInt(r.siteRequests / r.windowS)],
    ['CPU: daemon / site farm (cores)', `${r.daemonCpuCores.toFixed(2)} / ${r.sitesCpuCores?.toFixed(2) ?? '—'}`],
    ['database bytes per probe (after checkpoint)', `${fmtInt(r.dbBytesPerProbe)} B (${fmtMB(r.dbBytes)} for ${fmtInt(r.totalProbeRows)} probes)`],
    ['status changes in window', fmtInt(r.statusChanges)],
    ['registry sync of all channels', fmtMs(r.setupMs)],
  ];
  return renderTable([`measured over ${r.windowS.toFixed(1)} s`, 'value'], rows);
}

function outcomeTable(r: RunResult): string {
  const rows = SITE_KINDS.map((kind) => {
    const entries = Object.entries(r.outcomes[kind]).sort((a, b) => b[1] - a[1]);
    const total = entries.reduce((s, [, n]) => s + n, 0);
    const d = r.durationsMs[kind];
    return [kind, fmtInt(total), `${fmtMs(d.p50)} / ${fmtMs(d.p99)}`, entries.map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ') || '—'];
  });
  return renderTable(['site kind', 'stored', 'probe duration p50 / p99', 'outcome/reason'], rows);
}

function ladderTable(ladder: RunResult[]): string {
  const rows = ladder.map((r) => [
    `${r.intervalMs} ms`,
    fmtInt(r.demandPerS),
    fmtInt(r.storedPerS),
    fmtPct(r.storedPerS / r.demandPerS),
    fmtMs(r.lagMs.p50),
    fmtMs(r.lagMs.p99),
    fmtMB(r.peakRssBytes),
    `${r.daemonCpuCores.toFixed(2)} / ${r.sitesCpuCores?.toFixed(2) ?? '—'}`,
    keptUp(r) ? 'kept up' : 'SATURATED',
  ]);
  return renderTable(['interval', 'demand/s', 'stored/s', 'of demand', 'lag p50', 'lag p99', 'peak RSS', 'CPU daemon/sites', ''], rows);
}

function saturationLine(ladder: RunResult[], sustained: RunResult | null): string {
  if (!sustained) return 'Highest sustained rate: no step kept up (≥ 95 % of demand with lag p99 ≤ 250 ms).';
  const last = ladder.at(-1);
  const capped = last && keptUp(last) ? ' (not saturated at the 1 s interval floor: add --channels to push further)' : '';
  return `Highest sustained rate: ${fmtInt(sustained.storedPerS)} probes/s stored (every ${sustained.intervalMs} ms, lag p99 ${fmtMs(sustained.lagMs.p99)})${capped}.`;
}

/**
 * A probe our own overload spoiled (its deadline ran out while our loop was stalled) says nothing
 * about the site, in either direction: it is neither a right nor a wrong verdict.
 */
export const OUR_OVERLOAD = 'error/our_overload';

/** Probes whose outcome contradicts the kind of site they hit, over the given kinds. */
export function misclassified(r: RunResult, kinds: readonly SiteKind[] = SITE_KINDS): number {
  let bad = 0;
  for (const kind of kinds) {
    const want = kind === 'fast' || kind === 'slow' ? 'reachable' : 'unavailable';
    for (const [key, n] of Object.entries(r.outcomes[kind])) if (!key.startsWith(`${want}/`) && key !== OUR_OVERLOAD) bad += n;
  }
  return bad;
}
