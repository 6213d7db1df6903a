// The auditor's commands: verify the hash chains, take a consistent backup while the daemon runs,
// export an evidence bundle, check a bundle, and prune old raw probes (keeping a checkpoint).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { exportEvidence, verifyBundle } from '../export/evidence.ts';
import { parseDuration } from '../scheduler/schedule.ts';
import { backupDatabase, openReadOnlyFile } from '../store/backup.ts';
import { CHAIN_TABLES, type ChainTable } from '../store/chain.ts';
import { DB_FILE_NAME, openDatabase } from '../store/db.ts';
import { lockDataFolder } from '../store/daemon-lock.ts';
import { MIN_RETENTION_MS, pruneProbes } from '../store/retention.ts';
import { verifyDatabase, type ChainReport } from '../store/verify.ts';
import { verifyVantage, type VantageReport } from '../store/vantage-verify.ts';

type Out = NodeJS.WritableStream;

export class UsageError extends Error {
  override name = 'UsageError';
}

function databaseFile(explicit?: string): string {
  const file = explicit ?? path.join(loadConfig().dataDir, DB_FILE_NAME);
  if (!existsSync(file)) throw new UsageError(`no database at ${file} (set REACHWATCH_DATA_DIR, or pass --db <file>)`);
  return file;
}

function parseHead(s: string): { table: ChainTable; id: number; hash: string } {
  const m = /^([a-z_]+):(\d+):([0-9a-f]{64})$/i.exec(s);
  if (!m || !(CHAIN_TABLES as string[]).includes(m[1] as string)) {
    throw new UsageError(`--head ${JSON.stringify(s)} must be <table>:<id>:<64 hex digits>, the table one of ${CHAIN_TABLES.join(', ')}`);
  }
  return { table: m[1] as ChainTable, id: Number(m[2]), hash: (m[3] as string).toLowerCase() };
}

function printReports(reports: ChainReport[], out: Out, ms: number, vantage?: VantageReport): void {
  for (const r of reports) {
    const base = `${r.table}: ${r.records.toLocaleString('en-US')} records${r.pruned ? ` (+${r.pruned.toLocaleString('en-US')} pruned, from a checkpoint)` : ''}`;
    if (r.ok) out.write(`ok    ${base}, head ${r.head ? `${r.head.id} ${r.head.hash}` : '(empty)'}${r.headsChecked ? `; ${r.headsChecked} published head(s) match` : ''}\n`);
    else out.write(`BAD   ${base}: first bad record ${r.problem?.id} (${r.problem?.kind}): ${r.problem?.detail}\n`);
  }
  if (vantage) {
    const base = `agent probes: ${vantage.records.toLocaleString('en-US')} records, point and agent columns checked against their chained vantage blocks${vantage.signaturesChecked ? `, ${vantage.signaturesChecked.toLocaleString('en-US')} signatures checked` : ''}`;
    if (vantage.ok) out.write(`ok    ${base}\n`);
    else {
      out.write(`BAD   ${base}: ${vantage.problemCount} problem(s)\n`);
      for (const p of vantage.problems) out.write(`      ${p.detail}\n`);
    }
  }
  const total = reports.reduce((s, r) => s + r.records, 0);
  out.write(`checked ${total.toLocaleString('en-US')} records in ${(ms / 1000).toFixed(2)} s (${Math.round(total / Math.max(ms / 1000, 1e-3)).toLocaleString('en-US')} records/s)\n`);
}

export async function verifyCommand(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { db: { type: 'string' }, head: { type: 'string', multiple: true }, workers: { type: 'string' }, json: { type: 'boolean' }, signatures: { type: 'boolean' } },
  });
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0 || workers > 64)) throw new UsageError('--workers must be a whole number from 0 to 64');
  const file = databaseFile(values.db);
  const t0 = performance.now();
  const reports = await verifyDatabase(file, { ...(workers !== undefined ? { workers } : {}), heads: (values.head ?? []).map(parseHead) });
  const vantage = verifyVantage(file, { signatures: values.signatures === true });
  const ms = performance.now() - t0;
  if (values.json) out.write(`${JSON.stringify({ file, ms, reports, vantage }, null, 2)}\n`);
  else printReports(reports, out, ms, vantage);
  return reports.every((r) => r.ok) && vantage.ok ? 0 : 1;
}

export async function backupCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { db: { type: 'string' } } });
  const target = positionals[0];
  if (!target) throw new UsageError('backup needs a target file: reachwatch backup <file>');
  if (existsSync(target)) throw new UsageError(`${target} exists; choose a new file (a backup never overwrites)`);
  const file = databaseFile(values.db);
  const t0 = performance.now();
  await backupDatabase(file, target);
  out.write(`backup written to ${target} in ${((performance.now() - t0) / 1000).toFixed(2)} s; verifying it\n`);
  const t1 = performance.now();
  const reports = await verifyDatabase(target);
  printReports(reports, out, performance.now() - t1);
  return reports.every((r) => r.ok) ? 0 : 1;
}

function instant(flag: string, v: string | undefined): number {
  if (v === undefined) throw new UsageError(`--${flag} is required (an ISO date or date-time, e.g. 2026-01-01 or 2026-01-01T00:00:00+06:00)`);
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) throw new UsageError(`--${flag} ${JSON.stringify(v)} is not a date or date-time`);
  return t;
}

export async function exportCommand(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { db: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, center: { type: 'string', multiple: true }, region: { type: 'string' }, kind: { type: 'string' }, out: { type: 'string' } },
  });
  const from = instant('from', values.from);
  const to = instant('to', values.to);
  if (to <= from) throw new UsageError('--to must be after --from');
  if (!values.out) throw new UsageError('--out <folder> is required');
  if (existsSync(path.join(values.out, 'manifest.json'))) throw new UsageError(`${values.out} already holds a bundle; choose a new folder`);
  const db = openReadOnlyFile(databaseFile(values.db));
  try {
    const t0 = performance.now();
    const m = await exportEvidence(db, { from, to, ...(values.center ? { centers: values.center } : {}), ...(values.region ? { region: values.region } : {}), ...(values.kind ? { kind: values.kind } : {}) }, values.out);
    const s = (performance.now() - t0) / 1000;
    const bytes = m.files.reduce((a, f) => a + f.bytes, 0);
    for (const f of m.files) out.write(`${f.name}: ${f.records.toLocaleString('en-US')} records, ${(f.bytes / 1048576).toFixed(1)} MB, sha256 ${f.sha256}\n`);
    out.write(`bundle in ${values.out} (${m.centers.length} centers) in ${s.toFixed(2)} s, ${(bytes / 1048576 / Math.max(s, 1e-3)).toFixed(1)} MB/s; check it with: reachwatch verify-export ${values.out}\n`);
    return 0;
  } finally {
    db.close();
  }
}

export function verifyExportCommand(args: string[], out: Out): number {
  const dir = args[0];
  if (!dir || !existsSync(path.join(dir, 'manifest.json'))) throw new UsageError('verify-export needs a bundle folder with a manifest.json');
  const r = verifyBundle(dir);
  if (r.ok) out.write(`ok: ${r.records.toLocaleString('en-US')} records; every file matches the manifest and every record its hash\n`);
  else out.write(`BAD: ${r.problems.length} problem(s)\n${r.problems.slice(0, 50).map((p) => `  ${p}`).join('\n')}\n`);
  return r.ok ? 0 : 1;
}

export function pruneCommand(args: string[], out: Out): number {
  const { values } = parseArgs({ args, options: { 'older-than': { type: 'string' }, db: { type: 'string' } } });
  const ms = values['older-than'] ? parseDuration(values['older-than']) : null;
  if (ms === null || ms < MIN_RETENTION_MS) throw new UsageError('--older-than is required: a duration of at least 62d (the calling limits read two months of call records), e.g. 730d');
  const dataDir = values.db ? path.dirname(values.db) : loadConfig().dataDir;
  // Pruning rewrites the chain's start under a running daemon's feet: it waits for the daemon to stop
  // (which prunes by itself with store.retention). Throws DaemonLockHeld, exit 75.
  const lock = lockDataFolder(dataDir, 'prune');
  try {
    const db = openDatabase(dataDir);
    try {
      const r = pruneProbes(db, Date.now() - ms);
      out.write(r.pruned ? `pruned ${r.pruned.toLocaleString('en-US')} probes (ids up to ${r.upToId}); the chain continues from a checkpoint; rollups are kept\n` : 'nothing to prune\n');
      return 0;
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
}
