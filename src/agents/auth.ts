// Who is calling an agent endpoint. Installed as an onRequest hook on the /agent/v1 plugin only, so
// it runs before the body is read (a 4 MB batch from a revoked agent is not even parsed) and no
// other route ever accepts an agent token: src/api/auth.ts refuses them by their prefix. Sets
// `request.agent` (src/agents/identity.ts) for the routes of the plugin.

import type { FastifyReply, FastifyRequest } from 'fastify';
import './identity.ts';
import { identityOf, type Agents } from './registry.ts';
import type { AgentRateLimit } from './rate.ts';
import { REFUSALS } from './protocol.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The one agent route an agent may call before it has enrolled (enrollment itself). */
    agentMayBeUnenrolled?: boolean;
  }
  interface FastifyRequest {
    /** Central time when an agent request arrived (before its body was read): the clock offset's reference. */
    agentReceivedAt?: number;
  }
}

/** An agent refusal: the usual error body with the protocol's machine-readable `code`. */
export const agentRefusal = (reply: FastifyReply, status: number, code: string, message: string): FastifyReply =>
  reply.code(status).send({ statusCode: status, error: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 429 ? 'Too Many Requests' : status === 409 ? 'Conflict' : status === 422 ? 'Unprocessable Entity' : status === 503 ? 'Service Unavailable' : 'Bad Request', code, message });

export interface AgentAuthOptions {
  agents: Agents;
  rate: AgentRateLimit;
  now?: () => number;
}

/** The onRequest hook of the /agent/v1 plugin. */
export function agentAuth({ agents, rate, now = Date.now }: AgentAuthOptions) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    req.agentReceivedAt = now();
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      return agentRefusal(reply, 401, REFUSALS.badToken, 'An agent token is required: send "Authorization: Bearer rwa_…" (an admin creates one with "reachwatch agents create").');
    }
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) return agentRefusal(reply, 401, REFUSALS.badToken, 'The Authorization header must be "Bearer <agent token>".');
    const auth = agents.authenticate(m[1] as string);
    if (!auth.ok) {
      // Logged without the token, so that guessing and revoked agents show in the logs.
      req.log.info({ url: req.url.split('?')[0], code: auth.refusal.code }, 'agent request refused');
      return agentRefusal(reply, auth.refusal.status, auth.refusal.code, auth.refusal.message);
    }
    const row = auth.row;
    const limit = rate.take(row.id);
    if (!limit.ok) {
      const seconds = Math.max(1, Math.ceil(limit.retryAfterMs / 1000));
      void reply.header('retry-after', String(seconds));
      return agentRefusal(reply, 429, REFUSALS.rateLimited, `Agent "${row.name}" sends more than its limit of requests (vantage.agent_rate); retry in ${seconds} s.`);
    }
    if (row.public_key === null && req.routeOptions.config.agentMayBeUnenrolled !== true) {
      return agentRefusal(reply, 403, REFUSALS.notEnrolled, `Agent "${row.name}" has not enrolled yet: POST /agent/v1/enroll with its public key first ("reachwatch agent enroll").`);
    }
    agents.touch(row.id, { at: req.agentReceivedAt });
    req.agent = identityOf(row);
    return undefined;
  };
}
