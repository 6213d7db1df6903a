// Mirrors a validated registry into the database in one transaction.
// New centers and channels appear, changed ones update, removed ones are archived with their
// history kept: an auditor may ask about a center that left the directory years ago.

import { createHash } from 'node:crypto';
import type { Center, Channel } from '../domain.ts';
import { ChannelStatusStore } from '../store/channel-status.ts';
import type { DB } from '../store/db.ts';

export interface SyncSummary {
  added: number;
  updated: number;
  archived: number;
  restored: number;
  /** Channel ids whose probe target or options changed, or that appeared: the scheduler re-reads them. */
  changedChannels: string[];
  /** Channel ids archived by this sync: the scheduler drops them. */
  archivedChannels: string[];
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function centerHash(c: Center): string {
  return hashOf({ record: c.record, name: c.name, kind: c.kind, city: c.city, region: c.region, tz: c.tz });
}

function channelFields(ch: Channel, position: number) {
  return {
    id: ch.id,
    centerId: ch.centerId,
    type: ch.type,
    value: ch.value,
    target: ch.target,
    reason: ch.unprobeableReason,
    options: JSON.stringify(ch.options),
    position,
  };
}

/**
 * `status` is the store's status writer; the daemon passes its probe writer's, so both link into the
 * same end of the status-change chain.
 */
export function syncRegistry(db: DB, centers: Center[], file: string, fileSha256: string, now = Date.now(), status = new ChannelStatusStore(db)): SyncSummary {
  const summary: SyncSummary = { added: 0, updated: 0, archived: 0, restored: 0, changedChannels: [], archivedChannels: [] };

  const existingCenters = new Map(
    (db.prepare('SELECT id, record_hash, archived_at FROM centers').all() as { id: string; record_hash: string; archived_at: number | null }[]).map((r) => [r.id, r]),
  );
  const existingChannels = new Map(
    (
      db.prepare('SELECT id, center_id, type, value, target, unprobeable_reason, options, position, archived_at FROM channels').all() as {
        id: string;
        center_id: string;
        type: string;
        value: string;
        target: string | null;
        unprobeable_reason: string | null;
        options: string;
        position: number;
        archived_at: number | null;
      }[]
    ).map((r) => [r.id, r]),
  );

  const insertCenter = db.prepare(
    `INSERT INTO centers (id, name, kind, city, region, tz, record, record_hash, created_at, updated_at)
     VALUES (@id, @name, @kind, @city, @region, @tz, @record, @hash, @now, @now)`,
  );
  const updateCenter = db.prepare(
    `UPDATE centers SET name=@name, kind=@kind, city=@city, region=@region, tz=@tz, record=@record, record_hash=@hash,
       updated_at=@now, archived_at=NULL WHERE id=@id`,
  );
  const archiveCenter = db.prepare('UPDATE centers SET archived_at=?, updated_at=? WHERE id=?');
  const insertChannel = db.prepare(
    `INSERT INTO channels (id, center_id, type, value, target, unprobeable_reason, options, position, created_at, updated_at)
     VALUES (@id, @centerId, @type, @value, @target, @reason, @options, @position, @now, @now)`,
  );
  const updateChannel = db.prepare(
    `UPDATE channels SET center_id=@centerId, type=@type, value=@value, target=@target, unprobeable_reason=@reason,
       options=@options, position=@position, updated_at=@now, archived_at=NULL WHERE id=@id`,
  );
  const archiveChannel = db.prepare('UPDATE channels SET archived_at=?, updated_at=? WHERE id=?');
  const ensureState = db.prepare(
    `INSERT INTO channel_state (channel_ref, status) SELECT ref, CASE WHEN target IS NULL THEN 'not_probed' ELSE 'unknown' END
     FROM channels WHERE id = ? ON CONFLICT(channel_ref) DO NOTHING`,
  );
  const recordSync = db.prepare(
    'INSERT INTO registry_syncs (at, file, file_sha256, added, updated, archived, restored) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );

  status.transaction(() => {
    const seenCenters = new Set<string>();
    const seenChannels = new Set<string>();
    for (const c of centers) {
      seenCenters.add(c.id);
      const row = { id: c.id, name: c.name, kind: c.kind, city: c.city, region: c.region, tz: c.tz, record: JSON.stringify(c.record), hash: centerHash(c), now };
      const prev = existingCenters.get(c.id);
      if (!prev) {
        insertCenter.run(row);
        summary.added++;
      } else if (prev.record_hash !== row.hash || prev.archived_at !== null) {
        updateCenter.run(row);
        if (prev.archived_at !== null) summary.restored++;
        else summary.updated++;
      }
      c.channels.forEach((ch, position) => {
        seenChannels.add(ch.id);
        const f = { ...channelFields(ch, position), now };
        const prevCh = existingChannels.get(ch.id);
        if (!prevCh) {
          insertChannel.run(f);
          ensureState.run(ch.id);
          summary.changedChannels.push(ch.id);
          return;
        }
        const probeChanged = prevCh.target !== f.target || prevCh.options !== f.options || prevCh.archived_at !== null;
        const changed =
          probeChanged || prevCh.center_id !== f.centerId || prevCh.value !== f.value || prevCh.unprobeable_reason !== f.reason || prevCh.position !== position;
        if (changed) updateChannel.run(f);
        ensureState.run(ch.id);
        // A channel that became unprobeable (or probeable again) must say so in its status, through the policy and the chain.
        if ((prevCh.target === null) !== (f.target === null)) status.applyProbeability(ch.id, { kind: 'target', probeable: f.target !== null }, now);
        if (probeChanged) summary.changedChannels.push(ch.id);
      });
    }
    for (const [id, prev] of existingCenters) {
      if (!seenCenters.has(id) && prev.archived_at === null) {
        archiveCenter.run(now, now, id);
        summary.archived++;
      }
    }
    for (const [id, prev] of existingChannels) {
      if (!seenChannels.has(id) && prev.archived_at === null) {
        archiveChannel.run(now, now, id);
        summary.archivedChannels.push(id);
      }
    }
    recordSync.run(now, file, fileSha256, summary.added, summary.updated, summary.archived, summary.restored);
  });
  return summary;
}
