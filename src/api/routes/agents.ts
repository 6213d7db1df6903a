// Regional agents for admins and operators (the CLI does the same on the database directly). An
// agent's token is shown once, in the reply that creates it; lists never include it nor its hash.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { agentHealthView, type AgentHealthLimits } from '../../agents/health.ts';
import { AgentInputError, type AgentInfo, type Agents } from '../../agents/registry.ts';
import { actorOf, requireRole } from '../auth.ts';
import { ErrorReply } from '../schemas.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const AgentView = Type.Object({
  id: Type.String({ examples: ['agt_3f9a0c2b7d41e688'] }),
  name: Type.String(),
  vantage: Type.String({ description: 'The vantage point it probes for.' }),
  capabilities: Type.Array(Type.String()),
  version: Type.Union([Type.String(), Type.Null()]),
  publicKey: Type.Union([Type.String(), Type.Null()], { description: 'Ed25519, base64 of the raw 32 bytes; null before enrollment.' }),
  state: Type.Union([Type.Literal('fresh'), Type.Literal('stale'), Type.Literal('not_enrolled'), Type.Literal('revoked')], {
    description: 'stale: silent longer than vantage.stale_after (operators are alerted; its channels show "no data from" it; nothing counts against a center).',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  enrolledAt: Time,
  lastSeenAt: Time,
  staleSince: Time,
  queueDepth: Type.Union([Type.Integer(), Type.Null()], { description: 'Results waiting in its outbox, as it last said.' }),
  oldestQueuedAt: Time,
  clockOffsetMs: Type.Union([Type.Integer(), Type.Null()], { description: 'Its clock minus ours, last estimate (low by at most a request round trip).' }),
  clockFlagged: Type.Boolean({ description: 'The offset exceeds vantage.max_clock_offset: its times are corrected and its probes flagged clock_corrected.' }),
  lastBatchSeq: Type.Integer(),
  revokedAt: Time,
  revokedBy: Type.Union([Type.String(), Type.Null()]),
});

const AgentId = Type.Object({ id: Type.String({ pattern: '^agt_[0-9a-f]{16}$', description: 'The agent id, agt_<16 hex>.' }) });

export interface AgentAdminOptions {
  agents: Agents;
  limits: AgentHealthLimits;
  now?: () => number;
}

export const agentAdminRoutes: FastifyPluginAsyncTypebox<AgentAdminOptions> = async (app, { agents, limits, now = Date.now }) => {
  const view = (a: AgentInfo) => {
    const h = agentHealthView(
      { last_seen_at: a.lastSeenAt, stale_since: a.staleSince, revoked_at: a.revokedAt, enrolled_at: a.enrolledAt, clock_offset_ms: a.clockOffsetMs },
      now(),
      limits,
    );
    return {
      id: a.id,
      name: a.name,
      vantage: a.vantage,
      capabilities: a.capabilities,
      version: a.version,
      publicKey: a.publicKey,
      state: h.state,
      createdAt: new Date(a.createdAt).toISOString(),
      createdBy: a.createdBy,
      enrolledAt: iso(a.enrolledAt),
      lastSeenAt: iso(a.lastSeenAt),
      staleSince: iso(a.staleSince),
      queueDepth: a.queueDepth,
      oldestQueuedAt: iso(a.oldestQueuedAt),
      clockOffsetMs: a.clockOffsetMs,
      clockFlagged: h.clockFlagged,
      lastBatchSeq: a.lastBatchSeq,
      revokedAt: iso(a.revokedAt),
      revokedBy: a.revokedBy,
    };
  };

  app.get(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        summary: 'Regional agents and their health (role: operator)',
        description: 'Role: operator (or admin). Last seen, queue depth, clock offset and staleness per agent; never tokens.',
        security: [{ bearer: [] }],
        querystring: Type.Object({ revoked: Type.Optional(Type.Boolean({ description: 'Include revoked agents.' })) }),
        response: { 200: Type.Object({ agents: Type.Array(AgentView) }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req) => ({ agents: agents.list({ includeRevoked: req.query.revoked === true }).map(view) }),
  );

  app.post(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        summary: 'Create an agent for a vantage point (role: admin); its token is in this reply and never again',
        description: 'Role: admin. The agent enrolls with the token ("reachwatch agent enroll", docs/agents.md). Only its SHA-256 is stored.',
        security: [{ bearer: [] }],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, description: 'A unique name, e.g. "almaty-1".' }),
            vantage: Type.String({ minLength: 1, maxLength: 32, description: 'A configured vantage point (vantage.points), not central.' }),
          },
          { additionalProperties: false, examples: [{ name: 'almaty-1', vantage: 'kz' }] },
        ),
        response: { 201: Type.Object({ agent: AgentView, token: Type.String() }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole('admin'),
    },
    async (req, reply) => {
      try {
        const { agent, token } = agents.create({ name: req.body.name, vantage: req.body.vantage, createdBy: actorOf(req) });
        req.log.info({ agent: agent.id, name: agent.name, vantage: agent.vantage, by: req.actor?.tokenId }, 'agent created');
        return reply.code(201).send({ agent: view(agent), token });
      } catch (err) {
        if (err instanceof AgentInputError) {
          const param = /vantage point|central/.test(err.message) ? 'vantage' : 'name';
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `body parameter "${param}": ${err.message}` });
        }
        if ((err as Error).name === 'TokenInputError') return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `body parameter "name": ${(err as Error).message}` });
        throw err;
      }
    },
  );

  app.post(
    '/agents/:id/revoke',
    {
      schema: {
        tags: ['agents'],
        summary: 'Revoke an agent now (role: admin)',
        description: 'Role: admin. Its requests are refused (403 agent_revoked) from the next one on and its results are not stored; the row and public key are kept, so the signatures of what it sent stay verifiable.',
        security: [{ bearer: [] }],
        params: AgentId,
        response: { 200: AgentView, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
      onRequest: requireRole('admin'),
    },
    async (req, reply) => {
      const r = agents.revoke(req.params.id, actorOf(req));
      if (r.result === 'not_found') return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No agent ${req.params.id}.` });
      if (r.result === 'already_revoked') {
        return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Agent ${req.params.id} was already revoked at ${iso(r.agent.revokedAt)}.` });
      }
      req.log.warn({ agent: r.agent.id, name: r.agent.name, by: req.actor?.tokenId }, 'agent revoked');
      return view(r.agent);
    },
  );
};
