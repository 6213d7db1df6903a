import Database from 'better-sqlite3';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DB_FILE_NAME, MIGRATIONS_DIR, openDatabase, readMigrations, SchemaError } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));
function tmp() {
  const t = tempDir();
  cleanups.push(t.remove);
  return t.dir;
}

describe('database and migrations', () => {
  test('a new database gets WAL, FULL sync, STRICT tables and every migration recorded', () => {
    const dir = tmp();
    const db = openDatabase(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const newest = readMigrations().at(-1)?.version;
    expect(db.pragma('user_version', { simple: true })).toBe(newest);
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(recorded.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
    const tables = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; sql: string }[];
    for (const t of tables) expect(t.sql, t.name).toMatch(/STRICT(,\s*WITHOUT ROWID)?\s*$/);
    // STRICT means a wrong type is an error, not a silent cast.
    expect(() => db.prepare("INSERT INTO centers (id, name, kind, record, record_hash, created_at, updated_at) VALUES ('x','x','k','{}','h','not a time',1)").run()).toThrow(/cannot store TEXT/);
    db.close();
    // Opening again applies nothing and keeps the data.
    const again = openDatabase(dir);
    expect(again.pragma('user_version', { simple: true })).toBe(newest);
    again.close();
  });

  test('a database from a newer release is refused and left untouched', () => {
    const dir = tmp();
    openDatabase(dir).close();
    const file = path.join(dir, DB_FILE_NAME);
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openDatabase(dir)).toThrow(SchemaError);
    expect(() => openDatabase(dir)).toThrow(/schema version 99.*only knows versions up to \d+.*Nothing was changed/s);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(99);
    check.close();
  });

  test('migrations run in order, each in a transaction: a failing one leaves the previous version', () => {
    const dir = tmp();
    const migDir = path.join(tmp(), 'migrations');
    cpSync(MIGRATIONS_DIR, migDir, { recursive: true });
    const next = readMigrations(migDir).length + 1;
    const name = `${String(next).padStart(4, '0')}_broken.sql`;
    writeFileSync(path.join(migDir, name), 'CREATE TABLE half_done (x INTEGER) STRICT;\nTHIS IS NOT SQL;');
    expect(() => openDatabase(dir, { migrationsDir: migDir })).toThrow();
    const db = openDatabase(dir); // the real migrations only
    expect(db.pragma('user_version', { simple: true })).toBe(next - 1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half_done'").get()).toEqual({ n: 0 });
    db.close();
  });

  test('an applied migration that was edited afterwards is refused', () => {
    const dir = tmp();
    const migDir = path.join(tmp(), 'migrations');
    cpSync(MIGRATIONS_DIR, migDir, { recursive: true });
    openDatabase(dir, { migrationsDir: migDir }).close();
    const first = readMigrations(migDir)[0];
    writeFileSync(path.join(migDir, `0001_${first?.name}.sql`), `${first?.sql}\n-- edited`);
    expect(() => openDatabase(dir, { migrationsDir: migDir })).toThrow(/was edited after it was applied/);
  });

  test('a gap in migration numbers is refused', () => {
    const migDir = path.join(tmp(), 'migrations');
    cpSync(MIGRATIONS_DIR, migDir, { recursive: true });
    writeFileSync(path.join(migDir, '0042_gap.sql'), 'SELECT 1;');
    expect(() => readMigrations(migDir)).toThrow(/no gaps/);
  });
});
