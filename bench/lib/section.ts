// The contract between bench/run.ts and its sections. A later issue adds a benchmark by writing
// bench/sections/<name>.ts that exports a BenchSection and listing it in bench/sections/index.ts.

import type { SiteFarm } from './sites.ts';

export interface BenchOptions {
  channels: number;
  /** Measured seconds per run (per step when saturating). */
  durationS: number;
  /** Seconds run before measuring, so start-up and the first commits are not in the figures. */
  warmupS: number;
  /** Probe interval per channel. */
  intervalMs: number;
  /** The scheduler's global cap on probes in flight. */
  concurrency: number;
  saturate: boolean;
  blackbox: boolean;
  quick: boolean;
}

/** Shared across sections in one run: the site farm is started once and reused (side by side). */
export interface BenchContext {
  sites(): Promise<SiteFarm>;
  /** Reports of the sections that already ran, by name (a comparison can quote them). */
  readonly reports: ReadonlyMap<string, SectionReport>;
  /** Progress lines for a person; go to stderr so stdout stays clean for --json. */
  progress(line: string): void;
}

export interface Verdict {
  target: string;
  pass: boolean;
  /** The measured figure, as printed. */
  measured: string;
}

export interface SectionReport {
  name: string;
  /** Pre-rendered text (tables and notes). */
  text: string;
  verdicts: Verdict[];
  /** Machine-readable figures for --json. */
  data: Record<string, unknown>;
  /** Set when the section did not run, saying why and how to make it run. */
  skipped?: string;
}

export interface BenchSection {
  name: string;
  title: string;
  run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport>;
}
