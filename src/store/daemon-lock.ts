// One daemon per data folder. A second daemon on the same database would probe (and call) every
// channel a second time. The lock is SQLite's RESERVED lock on a small separate file, held by a
// transaction that stays open for the daemon's lifetime: it is a POSIX record lock, so the kernel
// drops it when the holder dies, even by kill -9, and no stale pid has to be guessed at. The holder
// commits its pid, host and start time before taking the lock for good, so a refused start can name
// it (readers are not blocked by a RESERVED lock).

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export const LOCK_FILE_NAME = 'reachwatch.lock';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: number;
  command: string;
}

/** The data folder is locked by another process; `holder` is null if it could not be read. */
export class DaemonLockHeld extends Error {
  override name = 'DaemonLockHeld';
  readonly dataDir: string;
  readonly holder: LockHolder | null;
  constructor(dataDir: string, holder: LockHolder | null) {
    const who = holder
      ? `pid ${holder.pid} on ${holder.host}, ${holder.command}, started ${new Date(holder.startedAt).toISOString()}`
      : 'a process whose details could not be read';
    super(`the data folder ${dataDir} is in use by another reachwatch (${who})`);
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

export interface DataFolderLock {
  readonly file: string;
  /** Drops the lock (idempotent). */
  release(): void;
}

const isBusy = (err: unknown): boolean => (err as { code?: string } | null)?.code === 'SQLITE_BUSY';

function readHolder(db: Database.Database): LockHolder | null {
  try {
    const row = db.prepare('SELECT pid, host, started_at AS startedAt, command FROM holder').get() as LockHolder | undefined;
    return row ?? null;
  } catch {
    return null; // mid-commit, or written by no one yet
  }
}

/**
 * Takes the data folder's lock, creating the folder and the lock file if needed, or throws
 * DaemonLockHeld naming the holder. `command` says who holds it ("daemon", "prune").
 * File-system errors (a file in the folder's place, a read-only or full disk) are thrown as they come.
 */
export function lockDataFolder(dataDir: string, command: string): DataFolderLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE_NAME);
  const db = new Database(file);
  let held = false;
  try {
    // Never wait: a lock that is held stays held for as long as its daemon runs.
    db.pragma('busy_timeout = 0');
    // Nothing here is evidence: the holder's details need not survive a power loss.
    db.pragma('synchronous = OFF');
    const take = () => {
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        if (!isBusy(err)) throw err;
        db.pragma('busy_timeout = 1000'); // the holder may be committing its details right now
        throw new DaemonLockHeld(dataDir, readHolder(db));
      }
    };
    take();
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, started_at INTEGER NOT NULL, command TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, host, started_at, command) VALUES (?, ?, ?, ?)').run(process.pid, hostname(), Date.now(), command);
    db.exec('COMMIT');
    // Between that commit and this BEGIN another process may take the lock; then it wins and we
    // refuse, so two processes never both go on.
    take();
    held = true;
  } finally {
    if (!held) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}
