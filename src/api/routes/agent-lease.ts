// POST /agent/v1/lease: an agent asks for the due jobs of its vantage point (docs/agents.md). It runs
// behind the agent-auth preHandler, which sets `request.agent` from an agent token (API tokens never
// reach it), so it is registered inside the agent endpoints' plugin. The request is also a heartbeat:
// the agent's queue depth and clock go to the agent registry before anything is leased.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { agentRefusal } from '../../agents/auth.ts';
import { LEASE_POLL_HINT_MS, leaseAskOf, leasedJobOf, type LeaseDurations } from '../../agents/leasing.ts';
import { LeaseReply, LeaseRequest, REFUSALS } from '../../agents/protocol.ts';
import type { AgentJobs } from '../../store/agent-jobs.ts';

/** An agent's heartbeat fields, as a lease request carries them (central time `now`). */
export interface LeaseHeartbeat {
  queueDepth: number;
  oldestQueuedAt: number | null;
  agentTime: number;
  version?: string;
}

export interface AgentLeaseOptions {
  jobs: AgentJobs;
  durations: LeaseDurations;
  /** The time zone of centers whose registry record gives none. */
  defaultTz: string;
  /** Records the heartbeat (last seen, queue, clock offset): the agent registry's touch. */
  heartbeat: (agentId: string, beat: LeaseHeartbeat, now: number) => void;
  now?: () => number;
}

const LeaseReplyShown = Type.Object(LeaseReply.properties, {
  examples: [
    {
      jobs: [
        {
          jobId: 'perspective-almaty--website#http@kz', method: 'http', slotAt: 1_796_000_000_000, leaseUntil: 1_796_000_095_000, deadlineMs: 35_000,
          channel: { id: 'perspective-almaty--website', centerId: 'perspective-almaty', type: 'website', value: 'perspektiva.kz', target: 'https://perspektiva.kz/', options: {}, tz: 'Asia/Almaty' },
        },
      ],
      serverTime: 1_796_000_000_100,
      retryAfterMs: 1000,
    },
  ],
});
// `code` is the protocol's refusal code; a body the schema refuses gets the app's usual 400 without one.
const LeaseBody = Type.Object(LeaseRequest.properties, {
  additionalProperties: false,
  examples: [{ max: 20, queueDepth: 0, oldestQueuedAt: null, agentTime: 1_796_000_000_000, version: '1.4.0' }],
});
const Refusal = Type.Object({ statusCode: Type.Integer(), error: Type.String(), code: Type.Optional(Type.String()), message: Type.String() });

export const agentLeaseRoutes: FastifyPluginAsyncTypebox<AgentLeaseOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now;
  app.post(
    '/lease',
    {
      schema: {
        tags: ['agents'],
        summary: 'Lease the due jobs of the calling agent’s vantage point (agent token)',
        description:
          'Agent token only (`Authorization: Bearer rwa_…`). Claims up to `max` due jobs of the agent’s vantage point whose method it has the capability for; ' +
          'each lease lasts the probe’s deadline plus vantage.lease_margin, after which another agent of the point may take the job. Also records the heartbeat fields.',
        body: LeaseBody,
        response: { 200: LeaseReplyShown, 400: Refusal, 401: Refusal, 403: Refusal, 429: Refusal },
      },
    },
    async (req, reply) => {
      const agent = req.agent;
      // The agent-auth preHandler refuses every request without a valid agent token before this runs;
      // a route reached without one was registered outside that plugin, and must still lease nothing.
      if (!agent) return agentRefusal(reply, 401, REFUSALS.badToken, 'An agent token is required.');
      const at = now();
      const { queueDepth, oldestQueuedAt, agentTime, version } = req.body;
      const beat = (): void => {
        try {
          opts.heartbeat(agent.id, { queueDepth, oldestQueuedAt, agentTime, ...(version !== undefined ? { version } : {}) }, at);
        } catch (err) {
          // Bookkeeping: a heartbeat that could not be noted must not keep the agent from its jobs.
          req.log.warn({ err, agent: agent.id }, 'could not note an agent heartbeat');
        }
      };
      // The heartbeat and the lease in one transaction: one commit per request.
      const slots = opts.jobs.lease(leaseAskOf(agent, req.body, at, opts.durations), beat);
      return {
        jobs: slots.map((s) => leasedJobOf(s, opts.durations, opts.defaultTz)),
        serverTime: at,
        retryAfterMs: slots.length >= req.body.max ? 0 : LEASE_POLL_HINT_MS,
      };
    },
  );
};
