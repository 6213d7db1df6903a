// The operator's bearer token (REACHWATCH_OPERATOR_TOKEN). Compared as SHA-256 digests with
// timingSafeEqual, so neither the token's length nor its prefix leaks through timing.
// Issue 5 replaces this single token with stored, hashed tokens per role.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type OperatorCheck = (req: FastifyRequest, reply: FastifyReply) => boolean;

/** Returns a check that answers 401 itself and returns false when the request is not the operator's. */
export function operatorCheck(operatorToken: string | null, what: string): OperatorCheck {
  const expected = operatorToken ? createHash('sha256').update(operatorToken).digest() : null;
  return (req, reply) => {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? createHash('sha256').update(auth.slice(7)).digest() : null;
    if (expected && given && timingSafeEqual(expected, given)) return true;
    void reply.code(401).send({
      statusCode: 401,
      error: 'Unauthorized',
      message: expected ? 'A valid operator token is required (Authorization: Bearer ...).' : `${what} is disabled: set REACHWATCH_OPERATOR_TOKEN.`,
    });
    return false;
  };
}

/** Who made a write, for the record: the token's holder is "operator" until per-person tokens exist. */
export const actorOf = (_req: FastifyRequest): string => 'operator';
