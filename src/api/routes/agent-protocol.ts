// The agent endpoints (docs/agents.md, src/agents/protocol.ts): enrollment, heartbeat and results.
// They are registered inside the /agent/v1 plugin of buildApp, after its agent-auth hook, so every
// handler here has `req.agent`; API tokens never reach them.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { agentRefusal } from '../../agents/auth.ts';
import { EnrollReply, EnrollRequest, HeartbeatReply, HeartbeatRequest, AGENT_PROTOCOL_VERSION, REFUSALS, ResultsReply, ResultsRequest } from '../../agents/protocol.ts';
import type { AgentIngest } from '../../agents/ingest.ts';
import { clockOffsetOf } from '../../agents/clock.ts';
import type { Agents } from '../../agents/registry.ts';
import type { AgentIdentity } from '../../agents/identity.ts';

const EnrollReplyShown = Type.Object(EnrollReply.properties, {
  examples: [{ agent: { id: 'agt_3f9a0c2b7d41e688', name: 'almaty-1', vantage: 'kz' }, protocol: AGENT_PROTOCOL_VERSION, serverTime: 1_796_000_000_000 }],
});
const HeartbeatReplyShown = Type.Object(HeartbeatReply.properties, { examples: [{ serverTime: 1_796_000_000_000, stale: false }] });
const ResultsReplyShown = Type.Object(ResultsReply.properties, {
  examples: [{ batchId: 'b-000042-5f1c', results: [{ verdict: 'stored', probeId: 18_230 }, { verdict: 'duplicate', probeId: 18_101 }], serverTime: 1_796_000_000_000 }],
});
// The request bodies with an example each (the OpenAPI document shows them; the protocol's schemas stay bare).
const SIG = `${'A'.repeat(86)}==`;
const EnrollBody = Type.Object(EnrollRequest.properties, {
  additionalProperties: false,
  examples: [{ publicKey: 'MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=', capabilities: ['website', 'twilio'], version: '1.4.0', hostname: 'almaty-1', agentTime: 1_796_000_000_000 }],
});
const HeartbeatBody = Type.Object(HeartbeatRequest.properties, { additionalProperties: false, examples: [{ queueDepth: 0, oldestQueuedAt: null, agentTime: 1_796_000_000_000 }] });
const ResultsBody = Type.Object(ResultsRequest.properties, {
  additionalProperties: false,
  examples: [
    {
      batchId: 'b-000042-5f1c',
      seq: 42,
      sentAt: 1_796_000_060_000,
      results: [
        {
          jobId: 'perspective-almaty--website#http@kz', channelId: 'perspective-almaty--website', method: 'http', slotAt: 1_796_000_000_000, startedAt: 1_796_000_001_200, durationMs: 412,
          evidence: { method: 'http', v: 1, url: 'https://perspektiva.kz/' }, signature: SIG,
        },
      ],
      signature: SIG,
    },
  ],
});
const AgentError = Type.Object({ statusCode: Type.Integer(), error: Type.String(), code: Type.Optional(Type.String()), message: Type.String() });

/** A batch may carry up to 500 results with their raw evidence; larger bodies get 413 with a sentence. */
export const AGENT_BODY_LIMIT = 4 * 1024 * 1024;

export interface AgentProtocolOptions {
  agents: Agents;
  /** Null in a process without a probe writer (tools that only read): results get 503. */
  ingest: AgentIngest | null;
  now?: () => number;
}

/** `req.agent` after the plugin's auth hook; a route reached without it is a wiring bug. */
export function agentOf(req: { agent?: AgentIdentity }): AgentIdentity {
  if (!req.agent) throw new Error('an agent route was reached without the agent-auth hook');
  return req.agent;
}

export const agentProtocolRoutes: FastifyPluginAsyncTypebox<AgentProtocolOptions> = async (app, { agents, ingest, now = Date.now }) => {
  app.post(
    '/enroll',
    {
      config: { agentMayBeUnenrolled: true },
      schema: {
        tags: ['agents'],
        summary: "An agent registers its Ed25519 public key and capabilities (agent token); once, repeatable with the same key",
        security: [{ agentToken: [] }],
        body: EnrollBody,
        response: { 200: EnrollReplyShown, 400: AgentError, 401: AgentError, 403: AgentError, 409: AgentError, 429: AgentError },
      },
    },
    async (req, reply) => {
      const receivedAt = req.agentReceivedAt ?? now();
      const agent = agentOf(req);
      const row = agents.store.byId(agent.id);
      if (!row) return agentRefusal(reply, 401, REFUSALS.badToken, 'The agent token is unknown.');
      const r = agents.enroll(row, { publicKey: req.body.publicKey, capabilities: req.body.capabilities, version: req.body.version });
      if (r.result === 'bad_key') {
        return agentRefusal(reply, 400, REFUSALS.badSignature, 'body parameter "publicKey" must be the base64 of a raw 32-byte Ed25519 public key.');
      }
      if (r.result === 'revoked') return agentRefusal(reply, 403, REFUSALS.revoked, `Agent "${r.agent.name}" was revoked; an admin creates a new agent to replace it.`);
      if (r.result === 'key_mismatch') {
        req.log.warn({ agent: r.agent.id }, 'an agent tried to enroll again with another key; refused');
        return agentRefusal(
          reply,
          409,
          REFUSALS.keyMismatch,
          `Agent "${r.agent.name}" is enrolled with another public key (since ${new Date(r.agent.enrolledAt ?? 0).toISOString()}); a key is never replaced. An admin revokes this agent and creates a new one ("reachwatch agents revoke ${r.agent.name}", then "reachwatch agents create").`,
        );
      }
      if (r.result === 'enrolled') req.log.info({ agent: r.agent.id, vantage: r.agent.vantage, capabilities: r.agent.capabilities, version: req.body.version }, 'agent enrolled');
      agents.touch(agent.id, { at: receivedAt, clockOffsetMs: clockOffsetOf(req.body.agentTime, receivedAt) });
      return { agent: { id: r.agent.id, name: r.agent.name, vantage: r.agent.vantage }, protocol: AGENT_PROTOCOL_VERSION, serverTime: now() };
    },
  );

  app.post(
    '/heartbeat',
    {
      schema: {
        tags: ['agents'],
        summary: 'An idle agent says it is alive, how many results wait in its outbox, and its clock (agent token)',
        security: [{ agentToken: [] }],
        body: HeartbeatBody,
        response: { 200: HeartbeatReplyShown, 400: AgentError, 401: AgentError, 403: AgentError, 429: AgentError },
      },
    },
    async (req) => {
      const receivedAt = req.agentReceivedAt ?? now();
      const agent = agentOf(req);
      const offset = clockOffsetOf(req.body.agentTime, receivedAt);
      agents.touch(agent.id, {
        at: receivedAt,
        queueDepth: req.body.queueDepth,
        // Its outbox times are in its clock; stored in ours.
        oldestQueuedAt: req.body.oldestQueuedAt === null ? null : req.body.oldestQueuedAt - offset,
        clockOffsetMs: offset,
      });
      return { serverTime: now(), stale: (agents.get(agent.id)?.staleSince ?? null) !== null };
    },
  );

  app.post(
    '/results',
    {
      bodyLimit: AGENT_BODY_LIMIT,
      schema: {
        tags: ['agents'],
        summary: 'An agent pushes a signed batch of results (agent token); stored once each, or refused whole',
        description:
          'Agent token only. Checked in order before anything is stored: the batch signature (400 signature_invalid), a batch already ingested (409 batch_already_ingested), ' +
          'a replayed seq (409 batch_replayed), every result signature (400 signature_invalid: one forged result refuses the batch), the agent clock (422 agent_clock_off). ' +
          'Then each result is stored, a duplicate of one stored before, or refused with a reason (unknown job, job of another point).',
        security: [{ agentToken: [] }],
        body: ResultsBody,
        response: { 200: ResultsReplyShown, 400: AgentError, 401: AgentError, 403: AgentError, 409: AgentError, 413: AgentError, 422: AgentError, 429: AgentError, 503: AgentError },
      },
    },
    async (req, reply) => {
      const receivedAt = req.agentReceivedAt ?? now();
      const agent = agentOf(req);
      if (!ingest) return agentRefusal(reply, 503, 'not_ingesting', 'This process does not store probe results (no probe writer); send results to the running daemon.');
      const answer = await ingest.ingest(agent, req.body, receivedAt);
      agents.touch(agent.id, { at: receivedAt, clockOffsetMs: clockOffsetOf(req.body.sentAt, receivedAt) });
      if (answer.status !== 200) {
        req.log.warn({ agent: agent.id, batch: req.body.batchId, seq: req.body.seq, code: answer.code, status: answer.status }, 'agent batch refused');
        if (answer.retryAfterS !== undefined) void reply.header('retry-after', String(answer.retryAfterS));
        return agentRefusal(reply, answer.status, answer.code, answer.message);
      }
      return answer.reply;
    },
  );
};
