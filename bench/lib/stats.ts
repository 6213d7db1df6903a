// Small measuring and printing helpers shared by the sections.

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function lagSummary(samples: number[]): { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null } {
  const s = Float64Array.from(samples).sort();
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.length ? (s[s.length - 1] as number) : null };
}

/** utime+stime of any process in seconds, from /proc (Linux); null elsewhere or when it is gone. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** This process: peak RSS sampled every 100 ms, event-loop utilisation and delay, CPU time. */
export class ProcessSampler {
  peakRss = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly elu0: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly cpu0 = process.cpuUsage();
  private readonly t0 = performance.now();
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.delay.enable();
  }

  private sample(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }

  stop(): { peakRss: number; elu: number; cpuCores: number; loopDelayP99Ms: number; loopDelayMaxMs: number } {
    clearInterval(this.timer);
    this.sample();
    this.delay.disable();
    const wall = (performance.now() - this.t0) / 1000;
    const cpu = process.cpuUsage(this.cpu0);
    return {
      peakRss: this.peakRss,
      elu: performance.eventLoopUtilization(this.elu0).utilization,
      cpuCores: (cpu.user + cpu.system) / 1e6 / wall,
      loopDelayP99Ms: this.delay.percentile(99) / 1e6,
      loopDelayMaxMs: this.delay.max / 1e6,
    };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const fmtInt = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
export const fmtMs = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : `${n.toFixed(1)} ms`);
export const fmtMB = (bytes: number | null | undefined): string => (bytes === null || bytes === undefined ? '—' : `${(bytes / 1048576).toFixed(1)} MB`);
export const fmtPct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);

/** A plain left/right-aligned text table. Numbers (and "—") are right-aligned. */
export function renderTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = (s: string): boolean => /^[-+]?[\d,.]+( ?[%a-zA-Z/]+)?$|^—$/.test(s);
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c > 0 && numeric(cell) ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
