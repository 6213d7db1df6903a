// The centers and channels tables as the registry sync writes them, and the log of syncs. The sync
// itself (what changed, what to archive) is in registry/sync.ts.

import type { DB } from './connection.ts';
import type { CenterRow, ChannelRow, RegistrySyncRow } from './rows.ts';

/** A center as the registry file gives it (record as JSON, record_hash over its fields). */
export type CenterWrite = Pick<CenterRow, 'id' | 'name' | 'kind' | 'city' | 'region' | 'tz' | 'record' | 'record_hash'>;
/** A channel as the registry file gives it (options as JSON). */
export type ChannelWrite = Pick<ChannelRow, 'id' | 'center_id' | 'type' | 'value' | 'target' | 'unprobeable_reason' | 'options' | 'position'>;
export type KnownCenter = Pick<CenterRow, 'id' | 'record_hash' | 'archived_at'>;
export type KnownChannel = ChannelWrite & Pick<ChannelRow, 'archived_at'>;

export interface RegistryRepository {
  centers(): KnownCenter[];
  channels(): KnownChannel[];
  /** Runs `write` in one transaction: a sync is all or nothing. */
  transaction<T>(write: () => T): T;
  insertCenter(c: CenterWrite, now: number): void;
  /** Updates the center's fields and lists it again if it was archived. */
  updateCenter(c: CenterWrite, now: number): void;
  archiveCenter(id: string, now: number): void;
  insertChannel(ch: ChannelWrite, now: number): void;
  /** Updates the channel's fields and lists it again if it was archived. */
  updateChannel(ch: ChannelWrite, now: number): void;
  archiveChannel(id: string, now: number): void;
  /** Gives a channel its state row if it has none: 'not_probed' without a probe target, else 'unknown'. */
  ensureState(channelId: string): void;
  recordSync(s: Omit<RegistrySyncRow, 'id'>): void;
}

export class SqliteRegistryRepository implements RegistryRepository {
  private readonly db: DB;
  private readonly stmts;

  constructor(db: DB) {
    this.db = db;
    this.stmts = {
      insertCenter: db.prepare<[CenterWrite & { now: number }]>(
        `INSERT INTO centers (id, name, kind, city, region, tz, record, record_hash, created_at, updated_at)
         VALUES (@id, @name, @kind, @city, @region, @tz, @record, @record_hash, @now, @now)`,
      ),
      updateCenter: db.prepare<[CenterWrite & { now: number }]>(
        `UPDATE centers SET name=@name, kind=@kind, city=@city, region=@region, tz=@tz, record=@record, record_hash=@record_hash,
           updated_at=@now, archived_at=NULL WHERE id=@id`,
      ),
      archiveCenter: db.prepare<[number, number, string]>('UPDATE centers SET archived_at=?, updated_at=? WHERE id=?'),
      insertChannel: db.prepare<[ChannelWrite & { now: number }]>(
        `INSERT INTO channels (id, center_id, type, value, target, unprobeable_reason, options, position, created_at, updated_at)
         VALUES (@id, @center_id, @type, @value, @target, @unprobeable_reason, @options, @position, @now, @now)`,
      ),
      updateChannel: db.prepare<[ChannelWrite & { now: number }]>(
        `UPDATE channels SET center_id=@center_id, type=@type, value=@value, target=@target, unprobeable_reason=@unprobeable_reason,
           options=@options, position=@position, updated_at=@now, archived_at=NULL WHERE id=@id`,
      ),
      archiveChannel: db.prepare<[number, number, string]>('UPDATE channels SET archived_at=?, updated_at=? WHERE id=?'),
      ensureState: db.prepare<[string]>(
        `INSERT INTO channel_state (channel_ref, status) SELECT ref, CASE WHEN target IS NULL THEN 'not_probed' ELSE 'unknown' END
         FROM channels WHERE id = ? ON CONFLICT(channel_ref) DO NOTHING`,
      ),
      recordSync: db.prepare<[Omit<RegistrySyncRow, 'id'>]>(
        'INSERT INTO registry_syncs (at, file, file_sha256, added, updated, archived, restored) VALUES (@at, @file, @file_sha256, @added, @updated, @archived, @restored)',
      ),
    };
  }

  centers(): KnownCenter[] {
    return this.db.prepare<[], KnownCenter>('SELECT id, record_hash, archived_at FROM centers').all();
  }

  channels(): KnownChannel[] {
    return this.db.prepare<[], KnownChannel>('SELECT id, center_id, type, value, target, unprobeable_reason, options, position, archived_at FROM channels').all();
  }

  transaction<T>(write: () => T): T {
    return this.db.transaction(write)();
  }

  insertCenter(c: CenterWrite, now: number): void {
    this.stmts.insertCenter.run({ ...c, now });
  }

  updateCenter(c: CenterWrite, now: number): void {
    this.stmts.updateCenter.run({ ...c, now });
  }

  archiveCenter(id: string, now: number): void {
    this.stmts.archiveCenter.run(now, now, id);
  }

  insertChannel(ch: ChannelWrite, now: number): void {
    this.stmts.insertChannel.run({ ...ch, now });
  }

  updateChannel(ch: ChannelWrite, now: number): void {
    this.stmts.updateChannel.run({ ...ch, now });
  }

  archiveChannel(id: string, now: number): void {
    this.stmts.archiveChannel.run(now, now, id);
  }

  ensureState(channelId: string): void {
    this.stmts.ensureState.run(channelId);
  }

  recordSync(s: Omit<RegistrySyncRow, 'id'>): void {
    this.stmts.recordSync.run(s);
  }
}
