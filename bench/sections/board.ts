// The board, center pages and the status API over 90 days of history for 1,000 centers, with the
// real daemon probing meanwhile. History: the rollups that 90 days of 5-minute probes produce
// (288 a day per channel, 25.9 million probes in all) and the last day's raw probes (288,000 rows),
// which is everything the board and the pages read: they never scan raw probes beyond an index range.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { request } from 'undici';
import { lastDays } from '../../src/board/data.ts';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon } from '../../src/daemon/daemon.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase } from '../../src/store/db.ts';
import { dayStart } from '../../src/util/local-day.ts';
import { BENCH_TIMEOUTS } from '../lib/daemon.ts';
import { runHttpLoad } from '../lib/http-load.ts';
import { centerIdOf, hostOf, kindOf, portFor } from '../lib/plan.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, fmtMs, lagSummary, procCpuSeconds, ProcessSampler, renderTable } from '../lib/stats.ts';

const REGIONS = ['Akmola Region', 'Aktobe Region', 'Almaty Region', 'Atyrau Region', 'East Kazakhstan Region', 'Karaganda Region', 'Kostanay Region', 'Mangystau Region', 'North Kazakhstan Region', 'Pavlodar Region', 'Zhambyl Region', 'Almaty (city of republican significance)', 'Astana (city of republican significance)'];
const TARGETS = { boardP95Ms: 50, centerP95Ms: 20, apiPerS: 3000, apiP99Ms: 50 };

export const boardSection: BenchSection = {
  name: 'board',
  title: 'Board, center pages and status API over 90 days of history (1,000 centers, probing meanwhile)',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const centers = opts.quick ? 100 : 1000;
    const farm = await ctx.sites();
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-board-'));
    try {
      const registryFile = path.join(dir, 'centers.yaml');
      const lines: string[] = [];
      for (let i = 0; i < centers; i++) {
        lines.push(`- id: ${centerIdOf(i)}`, `  name: Bench center ${i + 1}`, `  kind: ${i % 5 === 0 ? 'hotline' : 'rehabilitation_center'}`, `  region_normalized: ${REGIONS[i % REGIONS.length]}`, `  tz_iana: Asia/Almaty`, `  channels:`, `    - type: website`, `      value: "http://${hostOf(i)}:${portFor(kindOf(i), farm.ports)}/"`);
      }
      writeFileSync(registryFile, `${lines.join('\n')}\n`);
      const dataDir = path.join(dir, 'data');
      const t0 = performance.now();
      seed(dataDir, registryFile, centers);
      ctx.progress(`board: ${centers} centers, 90 days of rollups and a day of raw probes seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      const resolve: Record<string, string> = {};
      for (let i = 0; i < centers; i++) resolve[hostOf(i)] = '127.0.0.1';
      const intervalMs = 3000;
      const config = buildConfig(
        {
          data_dir: dataDir,
          registry: { file: registryFile, watch: false },
          // The load generator is one client: the per-IP rate limit would measure itself.
          http: { host: '127.0.0.1', port: 0, rate_limit: { max: 0 } },
          scheduler: { defaults: { website: `${intervalMs}ms` } },
          website: { connect_timeout: BENCH_TIMEOUTS.connect, tls_timeout: BENCH_TIMEOUTS.tls, headers_timeout: BENCH_TIMEOUTS.headers, total_timeout: BENCH_TIMEOUTS.total, resolve },
          canaries: { urls: [] },
        },
        {},
        null,
        (k) => k.join('.'),
        dir,
      );
      const daemon = await startDaemon(config, pino({ level: 'silent' }));
      try {
        const get = async (p: string): Promise<number> => {
          const s = performance.now();
          const res = await request(daemon.url + p, { headers: { 'accept-language': 'ru' } });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`${p} answered ${res.statusCode}`);
          return performance.now() - s;
        };
        // Warm up (JIT, page cache), then sequential requests: the render time a reader waits for.
        for (let i = 0; i < 20; i++) {
          await get('/');
          await get(`/centers/${centerIdOf(i)}`);
        }
        const n = opts.quick ? 50 : 300;
        const pages = Math.ceil(centers / config.board.pageSize);
        const board: number[] = [];
        const filtered: number[] = [];
        const center: number[] = [];
        for (let i = 0; i < n; i++) {
          board.push(await get(i % 2 === 0 ? '/' : `/?page=${1 + (i % pages)}`));
          filtered.push(await get(`/?region=${encodeURIComponent(REGIONS[i % REGIONS.length] as string)}&status=${i % 3 === 0 ? 'reachable' : ''}`));
          center.push(await get(`/centers/${centerIdOf((i * 7919) % centers)}`));
        }
        ctx.progress(`board: ${n} board, ${n} filtered and ${n} center pages rendered; now the status API under load while probing`);

        const paths = Array.from({ length: centers }, (_, i) => `/api/v1/centers/${centerIdOf(i)}`);
        const sampler = new ProcessSampler();
        const probes0 = daemon.monitor.probesStored;
        const load = runHttpLoad({ origin: daemon.url, paths, concurrency: 32, warmupMs: opts.warmupS * 1000, durationMs: opts.durationS * 1000 });
        const genCpu0 = procCpuSeconds(load.pid);
        const report = await load.done;
        const genCpu1 = procCpuSeconds(load.pid);
        const proc = sampler.stop();
        const probesPerS = (daemon.monitor.probesStored - probes0) / (report.windowS + opts.warmupS);

        const b = lagSummary(board);
        const f = lagSummary(filtered);
        const c = lagSummary(center);
        const data = {
          centers, days: 90, rollupProbes: centers * 288 * 90, rawProbes: centers * 288,
          boardMs: b, filteredBoardMs: f, centerMs: c,
          api: report, apiConcurrency: 32, probesPerSDuringLoad: probesPerS, daemonCpuCores: proc.cpuCores,
          generatorCpuCores: genCpu0 !== null && genCpu1 !== null ? (genCpu1 - genCpu0) / report.windowS : null,
          peakRssBytes: proc.peakRss,
        };
        const verdicts: Verdict[] = opts.quick
          ? []
          : [
              { target: `board render p95 < ${TARGETS.boardP95Ms} ms`, pass: (b.p95 ?? Infinity) < TARGETS.boardP95Ms, measured: fmtMs(b.p95) },
              { target: `center page p95 < ${TARGETS.centerP95Ms} ms`, pass: (c.p95 ?? Infinity) < TARGETS.centerP95Ms, measured: fmtMs(c.p95) },
              { target: `status API ≥ ${fmtInt(TARGETS.apiPerS)} requests/s while probing`, pass: report.perS >= TARGETS.apiPerS, measured: `${fmtInt(report.perS)}/s` },
              { target: `status API p99 < ${TARGETS.apiP99Ms} ms`, pass: (report.latencyMs.p99 ?? Infinity) < TARGETS.apiP99Ms, measured: fmtMs(report.latencyMs.p99) },
            ];
        const rows: string[][] = [
          ['history', `${fmtInt(centers)} centers × 90 days at 5-minute intervals (${fmtInt(data.rollupProbes)} probes rolled up; ${fmtInt(data.rawProbes)} raw probes of the last day)`],
          ['board `/` (page of 50, summary of all) p50 / p95 / max', `${fmtMs(b.p50)} / ${fmtMs(b.p95)} / ${fmtMs(b.max)}`],
          ['board filtered by region and status p50 / p95', `${fmtMs(f.p50)} / ${fmtMs(f.p95)}`],
          ['center page p50 / p95 / max', `${fmtMs(c.p50)} / ${fmtMs(c.p95)} / ${fmtMs(c.max)}`],
          ['status API (GET /api/v1/centers/{id}) requests/s', `${fmtInt(report.perS)} (${Object.entries(report.byStatus).map(([k, v]) => `${k} × ${fmtInt(v)}`).join(', ')})`],
          ['status API latency p50 / p95 / p99 / max', `${fmtMs(report.latencyMs.p50)} / ${fmtMs(report.latencyMs.p95)} / ${fmtMs(report.latencyMs.p99)} / ${fmtMs(report.latencyMs.max)}`],
          ['probes stored/s meanwhile', fmtInt(probesPerS)],
          ['CPU: daemon / load generator (cores)', `${proc.cpuCores.toFixed(2)} / ${data.generatorCpuCores?.toFixed(2) ?? '—'}`],
          ['peak RSS (daemon + bench process)', `${(proc.peakRss / 1048576).toFixed(1)} MB`],
        ];
        const text = [
          `Sequential requests over loopback HTTP (Accept-Language: ru), after 20 warm-up requests each; then ${32} keep-alive connections from a child process for ${opts.durationS} s while the daemon probes ${fmtInt(centers)} websites every ${intervalMs / 1000} s. Rate limit disabled for the load generator (one client IP).`,
          '',
          renderTable(['measured', 'value'], rows),
        ].join('\n');
        return { name: this.name, text, verdicts, data };
      } finally {
        await daemon.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** Writes the centers and the history the probe writer would have written for 90 days of 5-minute probes. */
function seed(dataDir: string, registryFile: string, centers: number): void {
  const db = openDatabase(dataDir);
  try {
    // The bench hosts (*.bench.test) are probeable only because website.resolve maps them, as in the daemon.
    const load = loadRegistry(registryFile, { resolvedHosts: Array.from({ length: centers }, (_, i) => hostOf(i)) });
    syncRegistry(db, load.centers, registryFile, 'bench');
    const refs = new Map(db.prepare<[], { id: string; ref: number; center_id: string }>('SELECT id, ref, center_id FROM channels').all().map((r) => [r.center_id, r.ref]));
    const now = Date.now();
    const days = lastDays('Asia/Almaty', now, 90);
    const insDay = db.prepare('INSERT INTO center_days (center_id, day, probes, reachable, down, impaired, inconclusive, errors) VALUES (?, ?, 288, ?, ?, 0, 0, 0)');
    const insHour = db.prepare('INSERT INTO channel_hours (channel_ref, hour, probes, reachable, down, impaired, inconclusive, errors) VALUES (?, ?, 12, ?, ?, 0, 0, 0)');
    const insProbe = db.prepare(
      `INSERT INTO probes (channel_ref, due_at, started_at, duration_ms, method, outcome, reason, flags, classifier_version, evidence) VALUES (?, ?, ?, 42, 'http', ?, ?, NULL, 1, ?)`,
    );
    const evidence = JSON.stringify({ method: 'http', v: 1, url: 'http://bench.test/', hops: [{ url: 'http://bench.test/', status: 200, timings: { totalMs: 42 } }] });
    for (let i = 0; i < centers; i++) {
      const id = centerIdOf(i);
      const ref = refs.get(id) as number;
      const kind = kindOf(i);
      db.transaction(() => {
        days.forEach((day, d) => {
          // A few outages so the bars are not all one colour; no data on one day in 30.
          if ((i + d) % 30 === 0) return;
          const up = kind === 'refused' || kind === 'hang' ? 0 : (i + d) % 17 === 0 ? 200 : 288;
          insDay.run(id, day, up, 288 - up);
          const start = Math.floor(dayStart('Asia/Almaty', day) / 3_600_000);
          for (let h = 0; h < 24; h++) insHour.run(ref, start + h, Math.round(up / 24), 12 - Math.round(up / 24));
        });
        for (let k = 288; k > 0; k--) {
          const at = now - k * 300_000;
          const ok = kind === 'fast' || kind === 'slow';
          insProbe.run(ref, at, at, ok ? 'reachable' : 'unavailable', ok ? 'ok' : 'connection_refused', evidence);
        }
      })();
    }
  } finally {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
}
