// What an evidence bundle reads: the centers chosen, and each chained table's records in a period,
// with exactly the values their hash covers, all from one read snapshot.

import { CHAINS, type ChainTable, type ChainValue } from './chain.ts';
import type { DB } from './connection.ts';
import type { CenterRow } from './rows.ts';

/** How each chained table is cut to a period and tied to a center. */
const CUTS: Record<ChainTable, { time: string; center: string }> = {
  probes: { time: 'started_at', center: '(SELECT center_id FROM channels WHERE ref = t.channel_ref)' },
  status_changes: { time: 'at', center: '(SELECT center_id FROM channels WHERE ref = t.channel_ref)' },
  center_status_changes: { time: 'at', center: 't.center_id' },
};

/** One chained record: its content values in hashing order (CHAINS[table]), its hash and link, and its center. */
export interface ChainRecord {
  values: ChainValue[];
  hash: string | null;
  prevHash: string | null;
  centerId: string | null;
}

export interface EvidenceExportRepository {
  /** Ids of the centers (archived ones included) matching every filter given, in id order. */
  centerIds(filter: { centers?: string[]; region?: string; kind?: CenterRow['kind'] }): string[];
  /** Runs `read` in one read snapshot: what it reads is one consistent view while writers go on. */
  inSnapshot<T>(read: () => Promise<T>): Promise<T>;
  /** The table's records with from <= time < to, of these centers (all when empty), in id order. */
  records(table: ChainTable, from: number, to: number, centers: string[]): IterableIterator<ChainRecord>;
  /** The agents whose probes the period holds (with their public keys), and those probes' channels' ids by ref. */
  agentsOf(from: number, to: number, centers: string[]): { agents: BundleAgent[]; channels: { ref: number; id: string }[] };
}

/** An agent as a bundle names it: enough to check its results' signatures with the bundle alone. */
export interface BundleAgent {
  id: string;
  name: string;
  vantage: string;
  publicKey: string | null;
}

export class SqliteEvidenceExportRepository implements EvidenceExportRepository {
  private readonly db: DB;

  constructor(db: DB) {
    this.db = db;
  }

  centerIds(filter: { centers?: string[]; region?: string; kind?: string }): string[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.centers?.length) {
      where.push(`id IN (${filter.centers.map(() => '?').join(', ')})`);
      args.push(...filter.centers);
    }
    if (filter.region) {
      where.push('region = ?');
      args.push(filter.region);
    }
    if (filter.kind) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    return this.db
      .prepare<string[], Pick<CenterRow, 'id'>>(`SELECT id FROM centers ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`)
      .all(...args)
      .map((r) => r.id);
  }

  async inSnapshot<T>(read: () => Promise<T>): Promise<T> {
    // A deferred transaction takes its snapshot at the first read and keeps it until COMMIT.
    this.db.exec('BEGIN');
    try {
      return await read();
    } finally {
      this.db.exec('COMMIT');
    }
  }

  agentsOf(from: number, to: number, centers: string[]): { agents: BundleAgent[]; channels: { ref: number; id: string }[] } {
    const centerFilter = centers.length ? `AND ${CUTS.probes.center} IN (SELECT value FROM json_each(?))` : '';
    const args: (number | string)[] = [from, to, ...(centers.length ? [JSON.stringify(centers)] : [])];
    const agents = this.db
      .prepare<(number | string)[], BundleAgent>(
        `SELECT a.id, a.name, a.vantage, a.public_key AS publicKey FROM agents a
         WHERE a.id IN (SELECT t.agent_id FROM probes t WHERE t.agent_id IS NOT NULL AND t.started_at >= ? AND t.started_at < ? ${centerFilter}) ORDER BY a.id`,
      )
      .all(...args);
    if (agents.length === 0) return { agents, channels: [] };
    const channels = this.db
      .prepare<(number | string)[], { ref: number; id: string }>(
        `SELECT c.ref, c.id FROM channels c
         WHERE c.ref IN (SELECT t.channel_ref FROM probes t WHERE t.agent_id IS NOT NULL AND t.started_at >= ? AND t.started_at < ? ${centerFilter}) ORDER BY c.ref`,
      )
      .all(...args);
    return { agents, channels };
  }

  *records(table: ChainTable, from: number, to: number, centers: string[]): IterableIterator<ChainRecord> {
    const cols = CHAINS[table];
    const cut = CUTS[table];
    const centerFilter = centers.length ? `AND ${cut.center} IN (SELECT value FROM json_each(?))` : '';
    const args: (number | string)[] = [from, to, ...(centers.length ? [JSON.stringify(centers)] : [])];
    const it = this.db
      .prepare(`SELECT ${cols.map((c) => `t.${c}`).join(', ')}, t.hash, t.prev_hash, ${cut.center} AS center_id FROM ${table} t WHERE t.${cut.time} >= ? AND t.${cut.time} < ? ${centerFilter} ORDER BY t.id`)
      .raw(true)
      .iterate(...args) as IterableIterator<ChainValue[]>;
    const n = cols.length;
    for (const row of it) {
      yield { values: row.slice(0, n), hash: row[n] as string | null, prevHash: row[n + 1] as string | null, centerId: row[n + 2] as string | null };
    }
  }
}
