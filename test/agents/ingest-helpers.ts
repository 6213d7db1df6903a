// Signing results and batches as an agent does (src/agents/protocol.ts), for tests of the central's
// ingest. The agent program (src/agent) does the same with its outbox; these build the bytes directly
// so a test can forge one part at a time.

import { randomUUID } from 'node:crypto';
import { batchPayload, resultPayload, signPayload, type AgentKeyPair, type AgentResult, type ResultsRequest } from '../../src/agents/protocol.ts';

export type UnsignedResult = Omit<AgentResult, 'signature'>;

export function signResult(agentId: string, keys: AgentKeyPair, r: UnsignedResult): AgentResult {
  return { ...r, signature: signPayload(keys.privateKey, resultPayload(agentId, r)) };
}

export function signBatch(agentId: string, keys: AgentKeyPair, b: { batchId?: string; seq: number; sentAt?: number; results: AgentResult[] }): ResultsRequest {
  const unsigned = { batchId: b.batchId ?? `b-${randomUUID()}`, seq: b.seq, sentAt: b.sentAt ?? Date.now(), results: b.results };
  return { ...unsigned, signature: signPayload(keys.privateKey, batchPayload(agentId, unsigned)) };
}
