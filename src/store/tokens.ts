// The api_tokens table. Verification reads a row per request, so its statements are prepared once.

import type { DB } from './connection.ts';
import type { ApiTokenRow } from './rows.ts';

export interface TokenRepository {
  byId(id: string): ApiTokenRow | undefined;
  insert(row: Omit<ApiTokenRow, 'revoked_at' | 'last_used_at'>): void;
  list(includeRevoked: boolean): ApiTokenRow[];
  /** Sets revoked_at unless already set; returns whether it changed. */
  revoke(id: string, now: number): boolean;
  /** Sets last_used_at to `now` unless it was written after `notAfter` (another process was quicker). */
  touch(id: string, now: number, notAfter: number): void;
}

export class SqliteTokenRepository implements TokenRepository {
  private readonly db: DB;
  private readonly byIdStmt;
  private readonly touchStmt;

  constructor(db: DB) {
    this.db = db;
    this.byIdStmt = db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE id = ?');
    this.touchStmt = db.prepare<[number, string, number]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)');
  }

  byId(id: string): ApiTokenRow | undefined {
    return this.byIdStmt.get(id);
  }

  insert(row: Omit<ApiTokenRow, 'revoked_at' | 'last_used_at'>): void {
    this.db
      .prepare('INSERT INTO api_tokens (id, name, role, hash, created_at, created_by) VALUES (@id, @name, @role, @hash, @created_at, @created_by)')
      .run(row);
  }

  list(includeRevoked: boolean): ApiTokenRow[] {
    return this.db.prepare<[], ApiTokenRow>(`SELECT * FROM api_tokens ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`).all();
  }

  revoke(id: string, now: number): boolean {
    return this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  touch(id: string, now: number, notAfter: number): void {
    this.touchStmt.run(now, id, notAfter);
  }
}
