// `npm run bench`: runs the benchmark sections and prints a table per section plus one verdict line
// per target. `--json` also prints every figure as JSON on stdout (the tables then go to stderr).
// Run `npm run bench -- --help` for the flags.

import { parseArgs } from 'node:util';
import { parseDuration } from '../src/scheduler/schedule.ts';
import type { BenchContext, BenchOptions, SectionReport } from './lib/section.ts';
import { DEFAULT_BENCH_CONCURRENCY } from './lib/daemon.ts';
import { startSiteFarm, type SiteFarm } from './lib/sites.ts';
import { SECTIONS } from './sections/index.ts';

const HELP = `Usage: npm run bench -- [flags]
  --channels N     loopback sites, one channel each (default 10000; --quick: 500)
  --duration S     measured seconds per run or saturation step (default 30; --quick: 3)
  --warmup S       seconds before measuring (default 5; --quick: 1)
  --interval D     per-channel interval, e.g. 3s or 2500ms (default: demand ≈ 3,333 probes/s, at least 1s)
  --concurrency N  the scheduler's cap on probes in flight (default ${DEFAULT_BENCH_CONCURRENCY})
  --saturate       then step the interval down until lag p99 > 250 ms or < 95 % of demand is stored
  --blackbox       also measure prometheus-blackbox-exporter against the same sites
  --quick          a smoke run of a few seconds (used by test/bench/bench-smoke.test.ts)
  --only NAME      run only this section (repeatable): ${SECTIONS.map((s) => s.name).join(', ')}
  --json           print all figures as JSON on stdout; the tables go to stderr`;

function parseOptions(argv: string[]): { opts: BenchOptions; json: boolean; only: string[] | null } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      channels: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      interval: { type: 'string' },
      concurrency: { type: 'string' },
      saturate: { type: 'boolean', default: false },
      blackbox: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick;
  const num = (name: string, v: string | undefined, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, not "${v}".`);
    return n;
  };
  const channels = Math.floor(num('channels', values.channels, quick ? 500 : 10_000, 1));
  if (channels > 99_999) throw new Error('--channels is at most 99999 (host names are c00001 … c99999).');
  let intervalMs = Math.max(1000, Math.round(channels * 0.3)); // 10,000 channels → 3 s → 3,333 probes/s
  if (values.interval !== undefined) {
    const ms = /^\d+(\.\d+)?$/.test(values.interval) ? Number(values.interval) * 1000 : parseDuration(values.interval);
    if (ms === null || ms < 1000) throw new Error(`--interval must be a duration of at least 1s (the scheduler's minimum), not "${values.interval}".`);
    intervalMs = ms;
  }
  const only = values.only ?? null;
  for (const name of only ?? []) {
    if (!SECTIONS.some((s) => s.name === name)) throw new Error(`--only ${name}: no such section; sections are ${SECTIONS.map((s) => s.name).join(', ')}.`);
  }
  return {
    opts: {
      channels,
      durationS: num('duration', values.duration, quick ? 3 : 30, 1),
      warmupS: num('warmup', values.warmup, quick ? 1 : 5, 0),
      intervalMs,
      concurrency: Math.floor(num('concurrency', values.concurrency, DEFAULT_BENCH_CONCURRENCY, 1)),
      saturate: values.saturate,
      blackbox: values.blackbox,
      quick,
    },
    json: values.json,
    only,
  };
}

async function main(): Promise<void> {
  const { opts, json, only } = parseOptions(process.argv.slice(2));
  const out = (s: string): void => void (json ? process.stderr : process.stdout).write(`${s}\n`);
  const progress = (s: string): void => void process.stderr.write(`${s}\n`);

  let farm: Promise<SiteFarm> | null = null;
  const reports = new Map<string, SectionReport>();
  const ctx: BenchContext = {
    sites: () => (farm ??= startSiteFarm(opts.channels)),
    reports,
    progress,
  };
  const stopFarm = async (): Promise<void> => {
    if (farm) await (await farm).close();
  };
  process.once('SIGINT', () => void stopFarm().finally(() => process.exit(130)));

  const started = new Date();
  out(`reachwatch bench — ${started.toISOString()} — Node ${process.versions.node}, ${(await import('node:os')).availableParallelism()} cores`);
  try {
    for (const section of SECTIONS) {
      if (only && !only.includes(section.name)) continue;
      progress(`\n▶ ${section.name}`);
      const report = await section.run(opts, ctx);
      reports.set(section.name, report);
      out(`\n== ${section.title} ==`);
      if (report.skipped) out(`skipped: ${report.skipped}`);
      if (report.text) out(report.text);
      for (const v of report.verdicts) out(`${v.pass ? 'PASS' : 'MISS'}  ${v.target}: ${v.measured}`);
    }
  } finally {
    await stopFarm();
  }
  if (json) {
    const data = {
      startedAt: started.toISOString(),
      node: process.versions.node,
      options: opts,
      sections: Object.fromEntries([...reports].map(([name, r]) => [name, { verdicts: r.verdicts, skipped: r.skipped ?? null, ...r.data }])),
    };
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
