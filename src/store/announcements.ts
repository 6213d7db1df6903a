// The announcement_labels table and its hash-linked history. Not one of the chains `verify` walks
// (chain.ts's CHAINS): those are the evidence tables with a time and a center for bundles; a label
// has neither, so its history is linked with the same hashing and checked by `verifyHistory`.

import type { DB } from './connection.ts';
import { chainHash, GENESIS } from './chain.ts';
import type { AnnouncementLabelHistoryRow, AnnouncementLabelRow } from './rows.ts';

const HISTORY_COLUMNS = ['id', 'label_id', 'at', 'action', 'actor', 'record'] as const;

export type RemoveResult = { result: 'removed'; label: AnnouncementLabelRow } | { result: 'not_found' } | { result: 'already_removed'; label: AnnouncementLabelRow };

export interface AnnouncementRepository {
  /** Labels in force, oldest first: what clips are matched against. */
  active(): AnnouncementLabelRow[];
  list(includeRemoved: boolean): AnnouncementLabelRow[];
  byId(id: string): AnnouncementLabelRow | undefined;
  /** The label in force of this clip, if any. */
  activeByClip(sha256: string): AnnouncementLabelRow | undefined;
  /** Stores a new label and its history entry in one transaction. */
  add(row: Omit<AnnouncementLabelRow, 'removed_at' | 'removed_by'>): void;
  /** Marks a label removed, with its history entry, in one transaction. */
  remove(id: string, at: number, actor: string): RemoveResult;
  /** The history, oldest first (of one label, or all). */
  history(labelId?: string): AnnouncementLabelHistoryRow[];
  /** Walks the history's links; the first entry whose hash does not follow, or null. */
  verifyHistory(): { id: number; message: string } | null;
}

export class SqliteAnnouncementRepository implements AnnouncementRepository {
  private readonly db: DB;

  constructor(db: DB) {
    this.db = db;
  }

  active(): AnnouncementLabelRow[] {
    return this.db.prepare<[], AnnouncementLabelRow>('SELECT * FROM announcement_labels WHERE removed_at IS NULL ORDER BY created_at, id').all();
  }

  list(includeRemoved: boolean): AnnouncementLabelRow[] {
    return this.db.prepare<[], AnnouncementLabelRow>(`SELECT * FROM announcement_labels ${includeRemoved ? '' : 'WHERE removed_at IS NULL'} ORDER BY created_at, id`).all();
  }

  byId(id: string): AnnouncementLabelRow | undefined {
    return this.db.prepare<[string], AnnouncementLabelRow>('SELECT * FROM announcement_labels WHERE id = ?').get(id);
  }

  activeByClip(sha256: string): AnnouncementLabelRow | undefined {
    return this.db.prepare<[string], AnnouncementLabelRow>('SELECT * FROM announcement_labels WHERE clip_sha256 = ? AND removed_at IS NULL').get(sha256);
  }

  add(row: Omit<AnnouncementLabelRow, 'removed_at' | 'removed_by'>): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO announcement_labels (id, name, carrier, outcome, reason, fingerprint, clip_sha256, seconds, source, created_at, created_by)
           VALUES (@id, @name, @carrier, @outcome, @reason, @fingerprint, @clip_sha256, @seconds, @source, @created_at, @created_by)`,
        )
        .run(row);
      this.link(row.id, row.created_at, 'label', row.created_by);
    }).immediate();
  }

  remove(id: string, at: number, actor: string): RemoveResult {
    return this.db.transaction((): RemoveResult => {
      const label = this.byId(id);
      if (!label) return { result: 'not_found' };
      if (label.removed_at !== null) return { result: 'already_removed', label };
      this.db.prepare('UPDATE announcement_labels SET removed_at = ?, removed_by = ? WHERE id = ?').run(at, actor, id);
      this.link(id, at, 'remove', actor);
      return { result: 'removed', label: this.byId(id) as AnnouncementLabelRow };
    }).immediate();
  }

  history(labelId?: string): AnnouncementLabelHistoryRow[] {
    if (labelId === undefined) return this.db.prepare<[], AnnouncementLabelHistoryRow>('SELECT * FROM announcement_label_history ORDER BY id').all();
    return this.db.prepare<[string], AnnouncementLabelHistoryRow>('SELECT * FROM announcement_label_history WHERE label_id = ? ORDER BY id').all(labelId);
  }

  verifyHistory(): { id: number; message: string } | null {
    let prev = GENESIS;
    for (const r of this.history()) {
      if (r.prev_hash !== prev) return { id: r.id, message: `entry ${r.id} links to ${r.prev_hash}, but the entry before it has hash ${prev}: an entry was removed or reordered.` };
      const hash = chainHash(prev, HISTORY_COLUMNS.map((c) => r[c]));
      if (hash !== r.hash) return { id: r.id, message: `entry ${r.id} does not hash to its stored hash: it was changed after it was written.` };
      prev = r.hash;
    }
    return null;
  }

  /** Appends the history entry of an action on the label; inside the caller's transaction. */
  private link(labelId: string, at: number, action: 'label' | 'remove', actor: string): void {
    const last = this.db.prepare<[], { id: number; hash: string }>('SELECT id, hash FROM announcement_label_history ORDER BY id DESC LIMIT 1').get();
    const id = (last?.id ?? 0) + 1;
    const prev = last?.hash ?? GENESIS;
    const record = JSON.stringify(this.byId(labelId));
    const hash = chainHash(prev, [id, labelId, at, action, actor, record]);
    this.db
      .prepare('INSERT INTO announcement_label_history (id, label_id, at, action, actor, record, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, labelId, at, action, actor, record, hash, prev);
  }
}
