// Side by side: Prometheus' blackbox_exporter probing the same site farm, driven as hard as it goes.
//
// blackbox_exporter needs a real host:port target and sets a Host header per *module*, not per
// target, so it probes one fast site: target http://127.0.0.1:<web port>/ with `Host: c0000N.bench.test`.
// That is its best case (every probe a fast 200). Each probe still opens a fresh TCP connection
// (the exporter builds a new HTTP client per probe), which the farm's connection counter confirms.
// The load generator keeps ~256 /probe requests in flight over an undici Pool (closed loop).

import { freePort } from '../../simulators/ports.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { hostOf, kindOf } from '../lib/plan.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport } from '../lib/section.ts';
import { fmtInt, fmtMB, fmtMs, lagSummary, procCpuSeconds, renderTable, sleep } from '../lib/stats.ts';

const BINARY = 'prometheus-blackbox-exporter';
const INSTALL_HINT = `apt-get install -y ${BINARY}`;
const LOAD_CONCURRENCY = 256;

export function findBlackbox(): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const file of [...dirs.map((d) => path.join(d, BINARY)), `/usr/bin/${BINARY}`]) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

export const blackboxSection: BenchSection = {
  name: 'blackbox',
  title: 'Side by side: reachwatch vs prometheus-blackbox-exporter on the same sites',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const base = { name: this.name, text: '', verdicts: [], data: {} };
    if (!opts.blackbox) return { ...base, skipped: 'not requested; add --blackbox to compare with prometheus-blackbox-exporter.' };
    const bin = findBlackbox();
    if (!bin) {
      return { ...base, skipped: `${BINARY} is not installed (looked on PATH and at /usr/bin/${BINARY}). Install it with: ${INSTALL_HINT}` };
    }
    const farm = await ctx.sites();
    let site = 0;
    while (kindOf(site) !== 'fast') site++;
    const host = hostOf(site);
    const target = `http://127.0.0.1:${farm.ports.web}/`;

    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-bbe-'));
    const config = path.join(dir, 'blackbox.yml');
    writeFileSync(
      config,
      [
        'modules:',
        '  http_2xx:',
        '    prober: http',
        '    timeout: 2s',
        '    http:',
        '      preferred_ip_protocol: ip4',
        '      ip_protocol_fallback: false',
        '      headers:',
        `        Host: ${host}`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const child = spawn(bin, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: LOAD_CONCURRENCY, pipelining: 1 });
    const probePath = `/probe?module=http_2xx&target=${encodeURIComponent(target)}`;
    try {
      await waitHealthy(pool, child, () => stderr);
      const first = await probe(pool, probePath);
      if (!first.ok) throw new Error(`blackbox_exporter's first probe of ${target} (Host: ${host}) failed; its answer:\n${first.body.slice(0, 2000)}`);

      ctx.progress(`blackbox: ${bin} on 127.0.0.1:${port}, ${LOAD_CONCURRENCY} /probe requests in flight; warming up ${opts.warmupS} s`);
      let measuring = false;
      let stop = false;
      let ok = 0;
      let failed = 0;
      const latencies: number[] = [];
      const worker = async (): Promise<void> => {
        while (!stop) {
          const t = performance.now();
          const r = await probe(pool, probePath).catch(() => ({ ok: false, body: '' }));
          if (!measuring) continue;
          latencies.push(performance.now() - t);
          if (r.ok) ok++;
          else failed++;
        }
      };
      const workers = Array.from({ length: LOAD_CONCURRENCY }, worker);
      await sleep(opts.warmupS * 1000);
      const bbCpu0 = procCpuSeconds(child.pid as number);
      const sitesCpu0 = procCpuSeconds(farm.pid);
      const selfCpu0 = process.cpuUsage();
      const sites0 = await farm.stats();
      measuring = true;
      const t0 = performance.now();
      await sleep(opts.durationS * 1000);
      measuring = false;
      const windowS = (performance.now() - t0) / 1000;
      const sites1 = await farm.stats();
      const bbCpu1 = procCpuSeconds(child.pid as number);
      const sitesCpu1 = procCpuSeconds(farm.pid);
      const selfCpu = process.cpuUsage(selfCpu0);
      const bbPeakRss = peakRss(child.pid as number);
      stop = true;
      await Promise.all(workers);

      const perS = (ok + failed) / windowS;
      const lat = lagSummary(latencies);
      const cores = (a: number | null, b: number | null): number | null => (a !== null && b !== null ? (b - a) / windowS : null);
      const bb = {
        completedPerS: perS,
        successPerS: ok / windowS,
        failed,
        latencyMs: lat,
        freshConnectionsPerS: (sites1.connections - sites0.connections) / windowS,
        cpuCores: cores(bbCpu0, bbCpu1),
        sitesCpuCores: cores(sitesCpu0, sitesCpu1),
        loadGeneratorCpuCores: (selfCpu.user + selfCpu.system) / 1e6 / windowS,
        peakRssBytes: bbPeakRss,
        target,
        host,
      };

      const probes = ctx.reports.get('probes')?.data as { run?: { storedPerS: number; intervalMs: number; daemonCpuCores: number; sitesCpuCores: number | null; peakRssBytes: number }; highestSustainedPerS?: number | null } | undefined;
      const rw = probes?.run;
      const rwBest = probes?.highestSustainedPerS ?? null;
      const rows: string[][] = [];
      if (rw) rows.push(['reachwatch (this run, demand-limited)', fmtInt(rw.storedPerS), 'mixed farm, stored in SQLite', `${rw.daemonCpuCores.toFixed(2)} / ${rw.sitesCpuCores?.toFixed(2) ?? '—'}`, fmtMB(rw.peakRssBytes)]);
      if (rwBest !== null) rows.push(['reachwatch (highest sustained, --saturate)', fmtInt(rwBest), 'mixed farm, stored in SQLite', '', '']);
      rows.push([
        `blackbox_exporter ${blackboxVersion(bin) ?? ''} (closed loop, ${LOAD_CONCURRENCY} in flight)`,
        fmtInt(bb.completedPerS),
        `one fast site; ${fmtInt(bb.successPerS)}/s succeeded, p50 ${fmtMs(lat.p50)}, p99 ${fmtMs(lat.p99)}`,
        `${bb.cpuCores?.toFixed(2) ?? '—'} / ${bb.sitesCpuCores?.toFixed(2) ?? '—'} (+ load gen ${bb.loadGeneratorCpuCores.toFixed(2)})`,
        fmtMB(bb.peakRssBytes),
      ]);
      const text = [
        `blackbox_exporter probes ${target} with Host: ${host} (a module sets one Host header, so one fast site); ` +
          `${fmtInt(bb.freshConnectionsPerS)} new TCP connections/s reached the farm during its window.`,
        '',
        renderTable(['prober', 'probes/s', 'what', 'CPU cores prober / sites', 'peak RSS'], rows),
      ].join('\n');
      // reachwatch's ceiling is the highest rate it sustains (--saturate); without it, this run's rate,
      // which is only a lower bound since it is limited by the demand.
      const rwFigure = rwBest ?? rw?.storedPerS ?? null;
      const label = rwBest !== null ? 'highest sustained' : 'this run, demand-limited: add --saturate for its ceiling';
      const verdicts =
        rwFigure === null
          ? []
          : [{ target: 'reachwatch probes/s ≥ blackbox_exporter probes/s', pass: rwFigure >= bb.completedPerS, measured: `${fmtInt(rwFigure)}/s (${label}) vs ${fmtInt(bb.completedPerS)}/s` }];
      return { ...base, text, verdicts, data: { blackbox: bb, reachwatchPerS: rw?.storedPerS ?? null, reachwatchHighestSustainedPerS: rwBest } };
    } finally {
      await pool.close().catch(() => undefined);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function probe(pool: Pool, probePath: string): Promise<{ ok: boolean; body: string }> {
  const res = await pool.request({ method: 'GET', path: probePath });
  const body = await res.body.text();
  return { ok: res.statusCode === 200 && /^probe_success 1$/m.test(body), body };
}

async function waitHealthy(pool: Pool, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited (${child.exitCode}):\n${stderr()}`);
    try {
      const res = await pool.request({ method: 'GET', path: '/-/healthy' });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`blackbox_exporter did not become healthy in 10 s:\n${stderr()}`);
}

/** VmHWM: the kernel's record of the process's peak resident set. */
function peakRss(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function blackboxVersion(bin: string): string | null {
  try {
    // `--version` prints "blackbox_exporter, version 0.23.0 (…)" on stderr.
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    return /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? null;
  } catch {
    return null;
  }
}
