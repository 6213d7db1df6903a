// The auditor's export: every probe of a period, across channels, in (started_at, id) order, as
// NDJSON lines. Read in short keyset chunks rather than through one open iterator: better-sqlite3
// has one connection, and an iterator held open while a slow client drains would block the probe
// writer for as long as the download lasts.

import type { DB } from './db.ts';
import type { UnchainedProbeRow } from './queries.ts';

export interface ExportKey {
  startedAt: number;
  id: number;
}



const COLUMNS = 'id, channel_ref, started_at, due_at, duration_ms, method, outcome, reason, flags, classifier_version, evidence, vantage, agent_id';
const CHUNK = 500;

export class HistoryExport {
  private readonly db: DB;
  private readonly all;
  private readonly ofChannel;
  private readonly probeKey;
  private readonly channelsOfCenter;
  private readonly channelIds;

  constructor(db: DB) {
    this.db = db;
    this.all = db.prepare<{ as: number; ai: number; to: number; n: number }, UnchainedProbeRow>(
      `SELECT ${COLUMNS} FROM probes
       WHERE (started_at, id) > (@as, @ai) AND started_at < @to ORDER BY started_at, id LIMIT @n`,
    );
    this.ofChannel = db.prepare<{ ref: number; as: number; ai: number; to: number; n: number }, UnchainedProbeRow>(
      `SELECT ${COLUMNS} FROM probes
       WHERE channel_ref = @ref AND (started_at, id) > (@as, @ai) AND started_at < @to ORDER BY started_at, id LIMIT @n`,
    );
    this.probeKey = db.prepare<[number], { started_at: number }>('SELECT started_at FROM probes WHERE id = ?');
    this.channelsOfCenter = db.prepare<[string], { ref: number }>('SELECT ref FROM channels WHERE center_id = ?');
    this.channelIds = db.prepare<[], { ref: number; id: string; center_id: string }>('SELECT ref, id, center_id FROM channels');
  }

  centerExists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM centers WHERE id = ?').get(id) !== undefined;
  }

  /** The keyset position just after probe `id`, or null when there is no such probe. */
  keyOf(id: number): ExportKey | null {
    const r = this.probeKey.get(id);
    return r ? { startedAt: r.started_at, id } : null;
  }

  /**
   * NDJSON text, one chunk of lines at a time, of the probes with from <= started_at < to (after
   * `after`, when given), at most `limit` in all. Each chunk is one short query, run only when the
   * consumer asks for more (a sync generator behind Readable.from), so backpressure paces the reads.
   */
  *lines(q: { from: number; to: number; centerId?: string; after?: ExportKey | null; limit: number }): Generator<string> {
    // Channel ids are looked up once; a registry sync during the download only adds channels, which
    // are then fetched on demand.
    const channels = new Map(this.channelIds.all().map((c) => [c.ref, c]));
    const refs = q.centerId === undefined ? null : this.channelsOfCenter.all(q.centerId).map((r) => r.ref);
    let key: ExportKey = q.after && q.after.startedAt >= q.from ? q.after : { startedAt: q.from, id: 0 };
    let left = q.limit;
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      const rows = refs === null ? this.all.all({ as: key.startedAt, ai: key.id, to: q.to, n }) : this.merged(refs, key, q.to, n);
      if (rows.length === 0) return;
      let text = '';
      for (const r of rows) {
        let ch = channels.get(r.channel_ref);
        if (!ch) {
          for (const c of this.channelIds.all()) channels.set(c.ref, c);
          ch = channels.get(r.channel_ref);
        }
        text += lineOf(r, ch?.id ?? null, ch?.center_id ?? null);
      }
      const last = rows[rows.length - 1] as UnchainedProbeRow;
      key = { startedAt: last.started_at, id: last.id };
      left -= rows.length;
      yield text;
      if (rows.length < n) return;
    }
  }

  /** A center's channels each read along their own index, merged in (started_at, id) order. */
  private merged(refs: number[], key: ExportKey, to: number, n: number): UnchainedProbeRow[] {
    const rows: UnchainedProbeRow[] = [];
    for (const ref of refs) rows.push(...this.ofChannel.all({ ref, as: key.startedAt, ai: key.id, to, n }));
    rows.sort((a, b) => a.started_at - b.started_at || a.id - b.id);
    return rows.slice(0, n);
  }
}

function lineOf(r: UnchainedProbeRow, channelId: string | null, centerId: string | null): string {
  const head = JSON.stringify({
    id: r.id,
    channelId,
    centerId,
    startedAt: new Date(r.started_at).toISOString(),
    dueAt: new Date(r.due_at).toISOString(),
    durationMs: r.duration_ms,
    method: r.method,
    outcome: r.outcome,
    reason: r.reason,
    flags: r.flags ? r.flags.split(',') : [],
    classifierVersion: r.classifier_version,
    // Who probed, for an agent's probe only (a central probe's line is as it always was); the
    // evidence's `vantage` block says the same, with the signature and the time it was received.
    ...(r.agent_id !== null ? { vantage: r.vantage, agentId: r.agent_id } : {}),
  });
  // The stored evidence is already JSON (written by JSON.stringify, so without raw line breaks):
  // spliced in as is, the export is byte for byte what was recorded, without a parse per probe.
  const evidence = /[\r\n]/.test(r.evidence) ? JSON.stringify(JSON.parse(r.evidence)) : r.evidence;
  return `${head.slice(0, -1)},"evidence":${evidence}}\n`;
}
