// The SQLite connection type, apart from db.ts: the modules db.ts runs while opening a file (the
// chain backfill) name the type without importing db.ts back.

import type Database from 'better-sqlite3';

export type DB = Database.Database;
