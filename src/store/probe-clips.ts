// Recent probes of a channel that kept clips, with their evidence: what the board's clip players list
// for a signed-in operator or auditor. Bounded by the channel's latest probes, never a scan of history.

import type { DB } from './connection.ts';

export interface ClipProbeRow {
  id: number;
  started_at: number;
  evidence: string;
}

export class SqliteProbeClipRepository {
  private readonly recentStmt;

  constructor(db: DB) {
    this.recentStmt = db.prepare<[string, number], ClipProbeRow>(
      `SELECT id, started_at, evidence FROM (
         SELECT id, started_at, evidence FROM probes WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?) ORDER BY started_at DESC, id DESC LIMIT ?
       ) WHERE evidence ->> '$.clips' IS NOT NULL ORDER BY started_at DESC, id DESC`,
    );
  }

  /** Of the channel's latest `scan` probes, those whose evidence has clips, newest first. */
  recentWithClips(channelId: string, scan: number): ClipProbeRow[] {
    return this.recentStmt.all(channelId, scan);
  }
}
