// Agent results as the central's ingest hands them to the ProbeWriter: the agent's raw evidence and
// times, signed with its Ed25519 key over resultPayload, and the `vantage` block that says who sent it.
// For tests of the status, verify and display paths that do not need the agent program.

import type Database from 'better-sqlite3';
import { resultPayload, signPayload, type AgentKeyPair } from '../../src/agents/protocol.ts';
import type { Outcome, ProbeRecord } from '../../src/domain.ts';

export interface TestAgent {
  id: string;
  name: string;
  point: string;
  keys: AgentKeyPair;
}

/** Registers an enrolled agent row directly (the registry's own store is another part's). */
export function insertAgent(db: Database.Database, a: TestAgent, at = Date.UTC(2026, 0, 1), extra: { staleSince?: number | null; lastSeenAt?: number } = {}): void {
  db.prepare(
    `INSERT INTO agents (id, name, vantage, token_hash, public_key, capabilities, created_at, created_by, enrolled_at, last_seen_at, stale_since)
     VALUES (?, ?, ?, ?, ?, '["website"]', ?, 'test', ?, ?, ?)`,
  ).run(a.id, a.name, a.point, `hash-${a.id}`, a.keys.publicKey, at, at, extra.lastSeenAt ?? at, extra.staleSince ?? null);
}

/**
 * One signed result of `agent` for a channel's slot. `clockOffsetMs` (agent minus central) makes a
 * corrected record: the stored start is the agent's minus the offset, and the block keeps the agent's.
 */
export function agentRecord(
  agent: TestAgent,
  o: { channelId: string; slotAt: number; startedAt?: number; outcome: Outcome; reason?: string; receivedAt?: number; clockOffsetMs?: number; evidence?: Record<string, unknown> },
): ProbeRecord {
  const agentStartedAt = (o.startedAt ?? o.slotAt + 20) + (o.clockOffsetMs ?? 0);
  const evidence = { method: 'http', v: 1, url: `https://${o.channelId}/`, status: o.outcome === 'reachable' ? 200 : null, ...o.evidence };
  const durationMs = 31.5;
  const signature = signPayload(
    agent.keys.privateKey,
    resultPayload(agent.id, { jobId: `${o.channelId}#http@${agent.point}`, channelId: o.channelId, method: 'http', slotAt: o.slotAt, startedAt: agentStartedAt, durationMs, evidence }),
  );
  const corrected = o.clockOffsetMs !== undefined;
  return {
    channelId: o.channelId,
    jobId: `${o.channelId}#http@${agent.point}`,
    dueAt: o.slotAt,
    startedAt: agentStartedAt - (o.clockOffsetMs ?? 0),
    durationMs,
    evidence,
    classification: { outcome: o.outcome, reason: o.reason ?? (o.outcome === 'reachable' ? 'ok' : 'connection_reset'), detail: o.outcome, flags: [] },
    vantage: {
      point: agent.point,
      agentId: agent.id,
      receivedAt: o.receivedAt ?? agentStartedAt + 1000,
      signature,
      ...(corrected ? { clockOffsetMs: o.clockOffsetMs, agentStartedAt } : {}),
    },
  };
}
