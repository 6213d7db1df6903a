// The agent behind an authenticated agent request. The agent-auth preHandler (src/agents/auth.ts)
// sets `request.agent`; agent routes read it and never look at API tokens.

import type { AgentCapability } from './protocol.ts';

export interface AgentIdentity {
  id: string;
  name: string;
  /** The vantage point it probes for. */
  vantage: string;
  capabilities: AgentCapability[];
  /** base64 raw Ed25519 key; null before enrollment. */
  publicKey: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the agent-auth preHandler on /agent/v1 routes. */
    agent?: AgentIdentity;
  }
}
