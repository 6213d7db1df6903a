// Mirrors a validated registry into the database in one transaction.
// New centers and channels appear, changed ones update, removed ones are archived with their
// history kept: an auditor may ask about a center that left the directory years ago.

import { createHash } from 'node:crypto';
import type { Center, Channel } from '../domain.ts';
import { ChannelStatusStore } from '../store/channel-status.ts';
import type { DB } from '../store/db.ts';
import { SqliteRegistryRepository, type CenterWrite, type ChannelWrite } from '../store/registry.ts';

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

function channelFields(ch: Channel, position: number): ChannelWrite {
  return {
    id: ch.id,
    center_id: ch.centerId,
    type: ch.type,
    value: ch.value,
    target: ch.target,
    unprobeable_reason: ch.unprobeableReason,
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

  const store = new SqliteRegistryRepository(db);
  const existingCenters = new Map(store.centers().map((r) => [r.id, r]));
  const existingChannels = new Map(store.channels().map((r) => [r.id, r]));
  // Inside the status writer's transaction too: if the sync rolls back, so does the end of the
  // status-change chain it may have advanced (applyProbeability), or the next change would link to a lost record.
  status.transaction(() => store.transaction(() => {
    const seenCenters = new Set<string>();
    const seenChannels = new Set<string>();
    for (const c of centers) {
      seenCenters.add(c.id);
      const row: CenterWrite = { id: c.id, name: c.name, kind: c.kind, city: c.city, region: c.region, tz: c.tz, record: JSON.stringify(c.record), record_hash: centerHash(c) };
      const prev = existingCenters.get(c.id);
      if (!prev) {
        store.insertCenter(row, now);
        summary.added++;
      } else if (prev.record_hash !== row.record_hash || prev.archived_at !== null) {
        store.updateCenter(row, now);
        if (prev.archived_at !== null) summary.restored++;
        else summary.updated++;
      }
      c.channels.forEach((ch, position) => {
        seenChannels.add(ch.id);
        const f = channelFields(ch, position);
        const prevCh = existingChannels.get(ch.id);
        if (!prevCh) {
          store.insertChannel(f, now);
          store.ensureState(ch.id);
          summary.changedChannels.push(ch.id);
          return;
        }
        const probeChanged = prevCh.target !== f.target || prevCh.options !== f.options || prevCh.archived_at !== null;
        const changed =
          probeChanged || prevCh.center_id !== f.center_id || prevCh.value !== f.value || prevCh.unprobeable_reason !== f.unprobeable_reason || prevCh.position !== position;
        if (changed) store.updateChannel(f, now);
        store.ensureState(ch.id);
        // A channel that became unprobeable (or probeable again) must say so in its status, through the policy and the chain.
        if ((prevCh.target === null) !== (f.target === null)) status.applyProbeability(ch.id, { kind: 'target', probeable: f.target !== null }, now);
        if (probeChanged) summary.changedChannels.push(ch.id);
      });
    }
    for (const [id, prev] of existingCenters) {
      if (!seenCenters.has(id) && prev.archived_at === null) {
        store.archiveCenter(id, now);
        summary.archived++;
      }
    }
    for (const [id, prev] of existingChannels) {
      if (!seenChannels.has(id) && prev.archived_at === null) {
        store.archiveChannel(id, now);
        summary.archivedChannels.push(id);
      }
    }
    store.recordSync({ at: now, file, file_sha256: fileSha256, added: summary.added, updated: summary.updated, archived: summary.archived, restored: summary.restored });
  }));
  return summary;
}
