// Opening the database: durable pragmas, then the numbered migrations in order.
// One connection per process writes; better-sqlite3 is synchronous, so writes are batched
// (see probe-writer.ts) rather than spread over many connections.

import Database from 'better-sqlite3';
import { backfillChains } from './chain.ts';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { DB } from './connection.ts';
import { guardWrites, type WriteBeacon } from './write-beacon.ts';

export type { DB } from './connection.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
export const DB_FILE_NAME = 'reachwatch.db';

export class SchemaError extends Error {
  override name = 'SchemaError';
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new SchemaError(`${path.join(dir, file)}: migration files must be named NNNN_name.sql.`);
    const version = Number(m[1]);
    const prev = migrations.at(-1);
    if (version !== (prev ? prev.version + 1 : 1)) {
      throw new SchemaError(`${path.join(dir, file)}: expected migration number ${prev ? prev.version + 1 : 1}; numbers must have no gaps.`);
    }
    const sql = readFileSync(path.join(dir, file), 'utf8');
    migrations.push({ version, name: m[2] ?? file, sql, sha256: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/** Opens (creating if needed) the database file in `dataDir` and brings its schema up to date. */
export function openDatabase(
  dataDir: string,
  opts: { readonly?: boolean; migrationsDir?: string; busyTimeoutMs?: number; /** Set around every write, for a thread that watches this one (src/store/write-beacon.ts). */ beacon?: WriteBeacon } = {},
): DB {
  if (!opts.readonly) mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, DB_FILE_NAME);
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  // Before the pragmas and migrations: they write too.
  if (opts.beacon) guardWrites(db, opts.beacon);
  try {
    configure(db, opts.readonly ?? false, opts.busyTimeoutMs ?? 5000);
    if (!opts.readonly) migrate(db, readMigrations(opts.migrationsDir));
    else assertSchemaKnown(db, readMigrations(opts.migrationsDir));
    // Records stored before the hash chains existed are linked once, by whoever opens the file first
    // for writing (the daemon, or a CLI command such as prune), so no writer ever sees a half-linked chain.
    if (!opts.readonly && !opts.migrationsDir) backfillChains(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function configure(db: DB, readonly: boolean, busyTimeoutMs: number): void {
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    // better-sqlite3 is built with WAL defaulting to NORMAL, which may lose the last commits on power
    // loss. Probe results are evidence for audits, so every commit is synced; batching keeps it cheap.
    db.pragma('synchronous = FULL');
  }
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('foreign_keys = ON');
}

function currentVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function assertSchemaKnown(db: DB, migrations: Migration[]): void {
  const newest = migrations.at(-1)?.version ?? 0;
  const version = currentVersion(db);
  if (version > newest) {
    throw new SchemaError(
      `The database ${db.name} has schema version ${version}, but this reachwatch only knows versions up to ${newest}. ` +
        'It was written by a newer release; run that release or restore a backup. Nothing was changed.',
    );
  }
}

/** Applies every migration newer than the database's version, each in its own transaction. */
export function migrate(db: DB, migrations: Migration[]): number[] {
  assertSchemaKnown(db, migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
  const applied: number[] = [];
  const recorded = new Map(
    (db.prepare('SELECT version, sha256 FROM schema_migrations').all() as { version: number; sha256: string }[]).map((r) => [r.version, r.sha256]),
  );
  const version = currentVersion(db);
  for (const m of migrations) {
    if (m.version <= version) {
      const sha = recorded.get(m.version);
      if (sha && sha !== m.sha256) {
        throw new SchemaError(
          `Migration ${m.version}_${m.name}.sql was edited after it was applied to ${db.name}. ` +
            'Applied migrations must not change; add a new numbered file instead.',
        );
      }
      continue;
    }
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)').run(m.version, m.name, m.sha256, Date.now());
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
