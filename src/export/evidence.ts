// An evidence bundle for a period and a set of centers that can be checked on its own: NDJSON of
// every probe with its raw evidence, the channel and center status changes, each record with the
// exact values its chain hash covers, a manifest with the SHA-256 of each file and the chains' heads,
// and a SHA256SUMS file for `sha256sum -c`.

import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { CHAINS, chainHash, encodeContent, type ChainTable, type ChainValue } from '../store/chain.ts';
import { SqliteEvidenceExportRepository } from '../store/evidence-export.ts';
import type { DB } from '../store/db.ts';
import { currentHeads } from '../store/heads.ts';
import type { BundleAgent } from '../store/evidence-export.ts';
import { agentSignatureHolds } from '../store/vantage-verify.ts';

export const BUNDLE_FORMAT = 'reachwatch-evidence/1';

export interface ExportQuery {
  from: number;
  to: number;
  centers?: string[];
  region?: string;
  kind?: string;
}

export interface ManifestFile {
  name: string;
  sha256: string;
  bytes: number;
  records: number;
}

export interface Manifest {
  format: string;
  generatedAt: string;
  period: { from: string; to: string };
  centers: string[];
  files: ManifestFile[];
  /** The chains' ends when the bundle was made: compare with published daily heads. */
  chainHeads: { table: string; lastId: number | null; hash: string | null }[];
  howToCheck: string[];
  /**
   * Only when the period holds regional agents' probes: those agents with their public keys, and the
   * ids of those probes' channels by ref, so each result's signature can be checked with the bundle alone.
   */
  agents?: BundleAgent[];
  channels?: { ref: number; id: string }[];
}

const FILES: { table: ChainTable; name: string }[] = [
  { table: 'probes', name: 'probes.ndjson' },
  { table: 'status_changes', name: 'status-changes.ndjson' },
  { table: 'center_status_changes', name: 'center-status-changes.ndjson' },
];

/** Writes the bundle into `dir` (created if needed) and returns its manifest. */
export async function exportEvidence(db: DB, q: ExportQuery, dir: string, now = Date.now()): Promise<Manifest> {
  mkdirSync(dir, { recursive: true });
  const store = new SqliteEvidenceExportRepository(db);
  const centers = store.centerIds(q);
  const files: ManifestFile[] = [];
  // One read snapshot: the three files and the heads are one consistent view while probes go on.
  return store.inSnapshot(async () => {
    for (const f of FILES) {
      const cols = CHAINS[f.table];
      const file = path.join(dir, f.name);
      const out = createWriteStream(file);
      // A full disk must fail the export with its error, not crash the process.
      let failure: Error | null = null;
      out.on('error', (e) => {
        failure = e;
      });
      const sha = createHash('sha256');
      let bytes = 0;
      let records = 0;
      for (const r of store.records(f.table, q.from, q.to, centers)) {
        const line = `${JSON.stringify({
          table: f.table,
          center_id: r.centerId,
          // Exactly what the chain hash covers, in order: hash = hex SHA-256 of the text prev_hash + encode(values).
          columns: cols,
          values: r.values.map((v) => (typeof v === 'bigint' ? v.toString() : v)),
          hash: r.hash,
          prev_hash: r.prevHash,
        })}\n`;
        sha.update(line);
        bytes += Buffer.byteLength(line);
        records++;
        if (failure) throw failure;
        if (!out.write(line)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      if (failure) throw failure;
      files.push({ name: f.name, sha256: sha.digest('hex'), bytes, records });
    }
    const byAgents = store.agentsOf(q.from, q.to, centers);
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      generatedAt: new Date(now).toISOString(),
      period: { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() },
      centers,
      files,
      chainHeads: currentHeads(db),
      howToCheck: [
        'sha256sum -c SHA256SUMS checks that no file was changed since the export.',
        'Each line holds a record: hash = hex SHA-256 of the UTF-8 text prev_hash + encode(values), where encode writes each value as "<length>:<text>" (NULL as "-", the length in UTF-8 bytes; numbers as JavaScript prints them) and concatenates them; `reachwatch verify-export <dir>` recomputes every one.',
        'A record whose prev_hash is the hash of the line before it (same table, consecutive ids) is linked to it; compare the chain heads with the daily heads reachwatch published (GET /api/v1/chain/heads) to tie the bundle to history noted earlier.',
        ...(byAgents.agents.length
          ? [
              "A probe made by a regional agent carries a `vantage` block in its evidence (point, agent, signature); `agents` lists those agents' Ed25519 public keys and `channels` the ids of their probes' channels, so `reachwatch verify-export` also checks each result's signature: over the canonical JSON of {agent, jobId <channel>#<method>@<point>, channelId, method, slotAt = due_at, startedAt = the block's agentStartedAt or started_at, durationMs, evidence without its vantage block} (docs/agents.md).",
            ]
          : []),
      ],
      ...(byAgents.agents.length ? { agents: byAgents.agents, channels: byAgents.channels } : {}),
    };
    writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(path.join(dir, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.name}`).join('\n') + '\n');
    return manifest;
  });
}

export interface BundleCheck {
  ok: boolean;
  problems: string[];
  records: number;
}

/** Checks a bundle with nothing but its files: the manifest's file hashes, and every record's hash. */
export function verifyBundle(dir: string): BundleCheck {
  const problems: string[] = [];
  let records = 0;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (err) {
    return { ok: false, problems: [`manifest.json cannot be read: ${(err as Error).message}`], records: 0 };
  }
  const keys = new Map((manifest.agents ?? []).map((a) => [a.id, a.publicKey]));
  const channelIds = new Map((manifest.channels ?? []).map((c) => [c.ref, c.id]));
  for (const f of manifest.files ?? []) {
    let body: Buffer;
    try {
      body = readFileSync(path.join(dir, f.name));
    } catch {
      problems.push(`${f.name}: listed in the manifest but missing`);
      continue;
    }
    const sha = createHash('sha256').update(body).digest('hex');
    if (sha !== f.sha256) problems.push(`${f.name}: SHA-256 ${sha} differs from the manifest's ${f.sha256}`);
    let prev: { id: number; hash: string } | null = null;
    const lines = body.toString('utf8').split('\n').filter(Boolean);
    if (lines.length !== f.records) problems.push(`${f.name}: ${lines.length} records, the manifest says ${f.records}`);
    lines.forEach((line, i) => {
      records++;
      let r: { values: ChainValue[]; hash: string | null; prev_hash: string | null };
      try {
        r = JSON.parse(line) as typeof r;
      } catch {
        problems.push(`${f.name}:${i + 1}: not a JSON record`);
        return;
      }
      if (!Array.isArray(r.values) || !r.hash || !r.prev_hash) {
        problems.push(`${f.name}:${i + 1}: record ${String(r.values?.[0])} has no chain hash`);
        return;
      }
      const computed = chainHash(r.prev_hash, r.values);
      if (computed !== r.hash) problems.push(`${f.name}:${i + 1}: record ${String(r.values[0])} does not match its hash (content ${encodeContent(r.values).slice(0, 40)}…)`);
      const id = Number(r.values[0]);
      if (f.name === 'probes.ndjson') {
        const bad = agentSignatureProblem(r.values, keys, channelIds);
        if (bad) problems.push(`${f.name}:${i + 1}: record ${id}: ${bad}`);
      }
      if (prev && id === prev.id + 1 && r.prev_hash !== prev.hash) problems.push(`${f.name}:${i + 1}: record ${id} does not link to record ${prev.id}`);
      prev = { id, hash: r.hash };
    });
  }
  return { ok: problems.length === 0, problems, records };
}

/**
 * For a probe record (its values in CHAINS.probes order) made by an agent: why its signature does not
 * hold with the manifest's key, or null (it holds, or it is the central's own probe).
 */
function agentSignatureProblem(values: ChainValue[], keys: Map<string, string | null>, channelIds: Map<number, string>): string | null {
  const [, ref, dueAt, startedAt, durationMs, method, , , , , evidenceText] = values;
  let evidence: Record<string, unknown>;
  try {
    evidence = JSON.parse(String(evidenceText)) as Record<string, unknown>;
  } catch {
    return null;
  }
  const block = evidence.vantage as { agentId?: unknown } | undefined;
  if (!block || typeof block !== 'object' || typeof block.agentId !== 'string') return null;
  const key = keys.get(block.agentId);
  const channelId = channelIds.get(Number(ref));
  if (!key || !channelId) return `made by agent ${block.agentId}, whose public key or channel the manifest does not list`;
  const holds = agentSignatureHolds(key, {
    agentId: block.agentId, channelId, method: String(method), dueAt: Number(dueAt), startedAt: Number(startedAt), durationMs: Number(durationMs), evidence,
  });
  return holds === false ? `the signature of agent ${block.agentId} does not match the result (its evidence, times or slot differ from what the agent sent)` : null;
}
