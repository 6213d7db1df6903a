// What every config section shares: the context it reports problems into (file, line and key come
// from `where`), typed readers that keep the default when a value is wrong (so every problem in the
// file is found in one pass), and the reference table from which both the section's known keys and
// docs/configuration.md come, so the documentation cannot drift from the code.

import path from 'node:path';
import { parseDuration } from '../scheduler/schedule.ts';
import type { Environment } from './env.ts';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "file:line key.path" for a path of keys (or just the keys when there is no file). */
export type Where = (keys: (string | number)[]) => string;

export interface SectionContext {
  env: Environment;
  where: Where;
  problems: string[];
  /** Relative paths in the file are relative to the file's folder. */
  baseDir: string;
}

/** One documented key: `key` may be dotted for nested keys (rate_limit.max); '' is the section itself (data_dir). */
export interface KeyDoc {
  key: string;
  default: string;
  meaning: string;
  /** An environment variable that wins over the key. */
  env?: string;
}

export interface SectionDoc {
  /** The top-level key. */
  section: string;
  about: string;
  keys: KeyDoc[];
}

/** The keys a section accepts, in the order of its reference table. */
export function knownKeys(doc: SectionDoc): string[] {
  return [...new Set(doc.keys.filter((k) => k.key !== '').map((k) => k.key.split('.')[0] as string))];
}

/** A duration default as people write it in the file: 30000 -> "30s". */
export function showDuration(ms: number | null): string {
  if (ms === null) return 'none';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export const showValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function resolvePath(ctx: SectionContext, p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(ctx.baseDir, p);
}

/** The section's mapping; anything else is one problem and an empty section (defaults). */
export function sectionOf(raw: Obj, name: string, ctx: SectionContext): Obj {
  const v = raw[name];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) {
    ctx.problems.push(`${ctx.where([name])}: must be a mapping of keys.`);
    return {};
  }
  return v;
}

/** Readers for the keys of one section's mapping; each reports a bad value and keeps the default. */
export function fieldsOf(ctx: SectionContext, name: string, obj: Obj) {
  const { where, problems } = ctx;
  return {
    known(keys: string[]): void {
      for (const k of Object.keys(obj)) if (!keys.includes(k)) problems.push(`${where([name, k])}: unknown key "${k}" in ${name}; known keys are ${keys.join(', ')}.`);
    },
    int(key: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
      const v = obj[key];
      if (v === undefined) return dflt;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        problems.push(`${where([name, key])}: must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}.`);
        return dflt;
      }
      return v;
    },
    number(key: string, dflt: number, min: number): number {
      const v = obj[key];
      if (v === undefined) return dflt;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
        problems.push(`${where([name, key])}: must be a number of at least ${min}, not ${JSON.stringify(v)}.`);
        return dflt;
      }
      return v;
    },
    duration(key: string, dflt: number): number {
      const v = obj[key];
      if (v === undefined) return dflt;
      const ms = typeof v === 'string' ? parseDuration(v) : typeof v === 'number' ? v : null;
      if (ms === null || ms <= 0) {
        problems.push(`${where([name, key])}: must be a duration like "500ms", "10s" or "5m", not ${JSON.stringify(v)}.`);
        return dflt;
      }
      return ms;
    },
    str(key: string, dflt: string): string {
      const v = obj[key];
      if (v === undefined) return dflt;
      if (typeof v !== 'string' || v === '') {
        problems.push(`${where([name, key])}: must be a non-empty string.`);
        return dflt;
      }
      return v;
    },
    bool(key: string, dflt: boolean): boolean {
      const v = obj[key];
      if (v === undefined) return dflt;
      if (typeof v !== 'boolean') {
        problems.push(`${where([name, key])}: must be true or false.`);
        return dflt;
      }
      return v;
    },
  };
}
