// Copies and read-only opens of a database file by path, for the CLI (which may run beside the daemon).

import Database from 'better-sqlite3';
import type { DB } from './connection.ts';

/** Opens an existing file for reading only, without migrating it (an export or a report of a copy). */
export function openReadOnlyFile(file: string): DB {
  return new Database(file, { readonly: true, fileMustExist: true });
}

/**
 * SQLite's online backup of `file` into `target`: a consistent copy while the daemon goes on writing.
 * The copy is left in rollback-journal mode, a single self-contained file to move or attach to a report.
 */
export async function backupDatabase(file: string, target: string, onProgress?: (pagesDone: number, pages: number) => void): Promise<void> {
  const db = openReadOnlyFile(file);
  try {
    // SQLite copies 100 pages a step by default; the callback's answer keeps that pace.
    await db.backup(target, {
      progress: (p) => {
        onProgress?.(p.totalPages - p.remainingPages, p.totalPages);
        return 100;
      },
    });
  } finally {
    db.close();
  }
  const copy = new Database(target);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}
