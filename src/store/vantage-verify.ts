// `reachwatch verify`, for the probes regional agents made (docs/agents.md). The hash chain covers a
// probe's evidence and so its `vantage` block (point, agent, signature, received time); the
// `probes.vantage`/`agent_id` columns beside it are not chained, so they are checked against the
// block. With `signatures`, each agent result's Ed25519 signature is checked again with the agent's
// public key from `agents`: anyone with the database can confirm the agent sent exactly that evidence.

import Database from 'better-sqlite3';
import { publicKeyFromRaw, resultPayload, verifyPayload } from '../agents/protocol.ts';
import type { ProbeVantage } from '../domain.ts';

export interface VantageProblem {
  probeId: number;
  detail: string;
}

export interface VantageReport {
  /** Probes made by agents (or claiming to be, by column or block). */
  records: number;
  /** Signatures checked again (0 without the option). */
  signaturesChecked: number;
  ok: boolean;
  /** The first problems found, in probe order (at most `maxProblems`). */
  problems: VantageProblem[];
  /** All problems, even those not listed. */
  problemCount: number;
}

interface Row {
  id: number;
  channelId: string;
  due_at: number;
  started_at: number;
  duration_ms: number;
  method: string;
  evidence: string;
  vantage: string | null;
  agent_id: string | null;
}

/** The job id an agent's result names: `<channel>#<method>@<point>` (the scheduler's format for a point's job). */
export const agentJobId = (channelId: string, method: string, point: string): string => `${channelId}#${method}@${point}`;

/**
 * Whether an agent's stored result still carries the agent's signature: the payload it signed is
 * rebuilt from the stored row (src/agents/protocol.ts resultPayload: the job, the slot, the agent's own
 * start time, the duration, and the evidence without the `vantage` block the central added). Null
 * when the evidence has no vantage block or names no signature.
 */
export function agentSignatureHolds(
  publicKey: string,
  r: { agentId: string; channelId: string; method: string; dueAt: number; startedAt: number; durationMs: number; evidence: Record<string, unknown> },
): boolean | null {
  const block = r.evidence.vantage as Partial<ProbeVantage> | undefined;
  if (block === undefined || block === null || typeof block !== 'object' || typeof block.point !== 'string' || typeof block.signature !== 'string') return null;
  const key = publicKeyFromRaw(publicKey);
  if (key === null) return false;
  const { vantage: _block, ...sent } = r.evidence;
  const payload = resultPayload(r.agentId, {
    jobId: agentJobId(r.channelId, r.method, block.point),
    channelId: r.channelId,
    method: r.method,
    slotAt: r.dueAt,
    // The agent signed its own clock's time; the stored one may have been corrected.
    startedAt: block.agentStartedAt ?? r.startedAt + (block.clockOffsetMs ?? 0),
    durationMs: r.durationMs,
    evidence: sent,
  });
  return verifyPayload(key, payload, block.signature);
}

export function verifyVantage(file: string, opts: { signatures?: boolean; maxProblems?: number } = {}): VantageReport {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const max = opts.maxProblems ?? 20;
  const report: VantageReport = { records: 0, signaturesChecked: 0, ok: true, problems: [], problemCount: 0 };
  const bad = (probeId: number, detail: string) => {
    report.ok = false;
    report.problemCount++;
    if (report.problems.length < max) report.problems.push({ probeId, detail });
  };
  try {
    // `"vantage":{` appears unescaped in stored evidence only as a key (a page's text would be escaped).
    const rows = db
      .prepare<[], Row>(
        `SELECT p.id, c.id AS channelId, p.due_at, p.started_at, p.duration_ms, p.method, p.evidence, p.vantage, p.agent_id
         FROM probes p JOIN channels c ON c.ref = p.channel_ref
         WHERE p.agent_id IS NOT NULL OR p.vantage IS NOT NULL OR p.evidence LIKE '%"vantage":{%' ORDER BY p.id`,
      )
      .iterate();
    const keys = new Map<string, string | null>();
    const keyStmt = db.prepare<[string], { public_key: string | null }>('SELECT public_key FROM agents WHERE id = ?');
    const keyOf = (agentId: string): string | null => {
      if (!keys.has(agentId)) keys.set(agentId, keyStmt.get(agentId)?.public_key ?? null);
      return keys.get(agentId) ?? null;
    };
    for (const r of rows) {
      const evidence = JSON.parse(r.evidence) as Record<string, unknown>;
      const block = evidence.vantage as Partial<ProbeVantage> | undefined;
      if (block === undefined || block === null || typeof block !== 'object') {
        if (r.agent_id !== null || r.vantage !== null) {
          report.records++;
          bad(r.id, `probe ${r.id} names agent ${r.agent_id ?? '(none)'} at point ${r.vantage ?? '(none)'} in its columns, but its evidence has no vantage block`);
        }
        continue;
      }
      report.records++;
      if (block.point !== r.vantage || block.agentId !== r.agent_id) {
        bad(
          r.id,
          `probe ${r.id}: its columns say point ${r.vantage ?? '(none)'}, agent ${r.agent_id ?? '(none)'}; its chained evidence says point ${block.point ?? '(none)'}, agent ${block.agentId ?? '(none)'}`,
        );
        continue;
      }
      if (!opts.signatures) continue;
      const raw = keyOf(r.agent_id as string);
      if (raw === null || publicKeyFromRaw(raw) === null) {
        bad(r.id, `probe ${r.id}: agent ${r.agent_id} has no usable public key in the agents table, so its signature cannot be checked`);
        continue;
      }
      report.signaturesChecked++;
      const holds = agentSignatureHolds(raw, {
        agentId: r.agent_id as string, channelId: r.channelId, method: r.method, dueAt: r.due_at, startedAt: r.started_at, durationMs: r.duration_ms, evidence,
      });
      if (holds !== true) {
        bad(r.id, `probe ${r.id}: the signature of agent ${r.agent_id} does not match the stored result (its evidence, times or slot differ from what the agent sent)`);
      }
    }
    return report;
  } finally {
    db.close();
  }
}
