// The board_sessions table: board sign-ins (src/auth/sessions.ts decides what they mean).

import type { DB } from './connection.ts';
import type { BoardSessionRow } from './rows.ts';

export class SqliteSessionRepository {
  private readonly byHashStmt;
  private readonly insertStmt;
  private readonly touchStmt;
  private readonly deleteStmt;
  private readonly expireStmt;

  constructor(db: DB) {
    this.byHashStmt = db.prepare<[string], BoardSessionRow>('SELECT * FROM board_sessions WHERE id_hash = ?');
    this.insertStmt = db.prepare<[string, string, string, number, number]>('INSERT INTO board_sessions (id_hash, token_id, csrf, created_at, seen_at) VALUES (?, ?, ?, ?, ?)');
    this.touchStmt = db.prepare<[number, string, number]>('UPDATE board_sessions SET seen_at = ? WHERE id_hash = ? AND seen_at <= ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM board_sessions WHERE id_hash = ?');
    this.expireStmt = db.prepare<[number, number]>('DELETE FROM board_sessions WHERE seen_at < ? OR created_at < ?');
  }

  byHash(idHash: string): BoardSessionRow | undefined {
    return this.byHashStmt.get(idHash);
  }

  insert(row: BoardSessionRow): void {
    this.insertStmt.run(row.id_hash, row.token_id, row.csrf, row.created_at, row.seen_at);
  }

  /** Sets seen_at to `now` unless it was written after `notAfter` (a write a minute is enough). */
  touch(idHash: string, now: number, notAfter: number): void {
    this.touchStmt.run(now, idHash, notAfter);
  }

  delete(idHash: string): void {
    this.deleteStmt.run(idHash);
  }

  /** Removes sessions idle since `seenBefore` or older than `createdBefore`; returns how many. */
  expire(seenBefore: number, createdBefore: number): number {
    return this.expireStmt.run(seenBefore, createdBefore).changes;
  }
}
