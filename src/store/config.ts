// The `store` section and `data_dir` (REACHWATCH_DATA_DIR wins over it).

import path from 'node:path';
import { parseDuration } from '../scheduler/schedule.ts';
import { fieldsOf, knownKeys, resolvePath, sectionOf, showDuration, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

export interface StoreConfig {
  batchMaxRows: number;
  flushIntervalMs: number;
  /** Raw probes older than this are pruned daily (rollups and the chain checkpoint stay); null keeps everything. */
  retentionMs: number | null;
  /** /readyz says not ready while a write has waited for the disk longer than this. */
  stallAfterMs: number;
}

export const STORE_DEFAULTS: StoreConfig = { batchMaxRows: 1000, flushIntervalMs: 200, retentionMs: null, stallAfterMs: 5000 };
/** ./data of the folder the daemon starts in. */
export const DATA_DIR_DEFAULT = path.join(process.cwd(), 'data');

const D = STORE_DEFAULTS;
export const STORE_DOC: SectionDoc = {
  section: 'store',
  about: 'How probe results are written to the database, and how long they are kept.',
  keys: [
    { key: 'batch_max_rows', default: String(D.batchMaxRows), meaning: 'Most results written in one transaction, 1 to 100000.' },
    { key: 'flush_interval', default: showDuration(D.flushIntervalMs), meaning: 'Longest a result waits before its batch is written.' },
    { key: 'retention', default: 'forever', meaning: 'Raw probes older than this are pruned daily ("forever", or at least 62d: the calling limits read two months of call records); rollups and the chain checkpoint stay.' },
    { key: 'stall_after', default: showDuration(D.stallAfterMs), meaning: '/readyz says not ready while a write has waited for the disk longer than this; must be longer than flush_interval; by default 5s or twice flush_interval, whichever is longer.' },
  ],
};

export const DATA_DIR_DOC: SectionDoc = {
  section: 'data_dir',
  about: 'The data folder: the database and the lock that keeps a second daemon out.',
  keys: [{ key: '', default: './data of the folder the daemon starts in', env: 'REACHWATCH_DATA_DIR', meaning: 'A folder path, relative to the config file.' }],
};

export function parseStoreSection(raw: Obj, ctx: SectionContext): StoreConfig {
  const { where, problems } = ctx;
  const store = sectionOf(raw, 'store', ctx);
  const f = fieldsOf(ctx, 'store', store);
  f.known(knownKeys(STORE_DOC));
  let retentionMs: number | null = null;
  if (store.retention !== undefined && store.retention !== null && store.retention !== 'forever') {
    const ms = typeof store.retention === 'string' ? parseDuration(store.retention) : null;
    if (ms === null || ms < 62 * 86_400_000) problems.push(`${where(['store', 'retention'])}: must be "forever" or a duration of at least 62d (the calling limits read two months of call records), such as 730d, not ${JSON.stringify(store.retention)}.`);
    else retentionMs = ms;
  }
  const flushIntervalMs = f.duration('flush_interval', D.flushIntervalMs);
  const config: StoreConfig = {
    batchMaxRows: f.int('batch_max_rows', D.batchMaxRows, 1, 100_000),
    flushIntervalMs,
    retentionMs,
    // Results wait up to flush_interval by design: the default stall threshold leaves them twice that.
    stallAfterMs: f.duration('stall_after', Math.max(D.stallAfterMs, 2 * flushIntervalMs)),
  };
  // Results wait up to flush_interval by design; a shorter stall threshold would call that a stall.
  if (store.stall_after !== undefined && config.stallAfterMs <= config.flushIntervalMs) {
    problems.push(`${where(['store', 'stall_after'])}: must be longer than store.flush_interval (${config.flushIntervalMs} ms), not ${JSON.stringify(store.stall_after)}.`);
  }
  return config;
}

export function parseDataDir(raw: Obj, ctx: SectionContext): string {
  const v = raw.data_dir;
  if (v !== undefined && typeof v !== 'string') ctx.problems.push(`${ctx.where(['data_dir'])}: must be a folder path.`);
  if (ctx.env.dataDir) return path.resolve(ctx.env.dataDir);
  return typeof v === 'string' ? resolvePath(ctx, v) : DATA_DIR_DEFAULT;
}
