// Who may call what. Routes declare the role they need with `onRequest: requireRole('operator')`:
// onRequest runs before the body is read and validated, so a caller without the role learns nothing
// about the input's validity and nothing is written. The same guard works as a preValidation or
// preHandler hook, or as a call inside a handler: `if (!requireRole('admin').check(req, reply)) return reply;`.

import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { roleAllows, type Actor, type Role, type Tokens } from '../auth/tokens.ts';
import type { App } from './types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, set by requireRole; null on routes that need no token. */
    actor: Actor | null;
  }
  interface FastifyInstance {
    tokens: Tokens;
  }
}

/** Makes `req.actor` and the token store available to requireRole. Call once, before any route. */
export function installAuth(app: App, tokens: Tokens): void {
  app.decorate('tokens', tokens);
  app.decorateRequest('actor', null);
}

const deny = (reply: FastifyReply, status: 401 | 403, challenge: string, message: string): void => {
  void reply
    .code(status)
    .header('www-authenticate', `Bearer realm="reachwatch"${challenge}`)
    .send({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message });
};

export interface RoleGuard {
  /** As a hook: calls done() to go on; otherwise has answered and ends the request there. */
  (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  /** In a handler: true to go on; false when 401 or 403 has been sent (then `return reply`). */
  check(req: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * Lets a request through (setting `req.actor`) when it carries a valid token whose role allows
 * `role` (admin allows everything), and otherwise answers 401 or 403 itself.
 */
export function requireRole(role: Role): RoleGuard {
  const check = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const header = req.headers.authorization;
    const need = `An ${role} token is required: send "Authorization: Bearer <token>" (an admin creates one with "reachwatch token create --role ${role} --name <who>").`;
    if (header === undefined || header === '') {
      deny(reply, 401, '', need);
      return false;
    }
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) {
      deny(reply, 401, ', error="invalid_request"', `The Authorization header must be "Bearer <token>". ${need}`);
      return false;
    }
    if ((m[1] as string).startsWith('rwa_')) {
      // A regional agent's token works on /agent/v1 only; naming it saves an operator from guessing.
      req.log.info({ url: req.url.split('?')[0] }, 'unauthorized: an agent token on an API route');
      deny(reply, 401, ', error="invalid_token"', `This is an agent token ("rwa_…"); it works only on the agent endpoints (/agent/v1). ${need}`);
      return false;
    }
    const actor = req.server.tokens.verify(m[1] as string);
    if (!actor) {
      // Logged, without the token, so that guessing shows in the logs.
      req.log.info({ url: req.url.split('?')[0] }, 'unauthorized: unknown or revoked token');
      deny(reply, 401, ', error="invalid_token"', `The token is unknown or has been revoked. ${need}`);
      return false;
    }
    if (!roleAllows(actor.role, role)) {
      req.log.info({ token: actor.tokenId, role: actor.role, needed: role, url: req.url.split('?')[0] }, 'forbidden: the token lacks the role');
      deny(reply, 403, ', error="insufficient_scope"', `This needs the ${role} role (or admin); the token of "${actor.name}" has the ${actor.role} role.`);
      return false;
    }
    req.actor = actor;
    return true;
  };
  const guard = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (check(req, reply)) done();
  };
  return Object.assign(guard, { check });
}

/** The caller's name for `created_by` columns; only meaningful after requireRole let the request through. */
export const actorOf = (req: FastifyRequest): string => req.actor?.name ?? 'unknown';
