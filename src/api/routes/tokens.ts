// Token management for admins (the CLI does the same on the database directly). Secrets are shown
// once, in the reply that creates them; lists never include them, nor their hashes.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ROLES, ROLE_DUTIES, TokenInputError, type TokenInfo, type Tokens } from '../../auth/tokens.ts';
import { actorOf, requireRole } from '../auth.ts';
import { ErrorReply } from '../schemas.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const RoleSchema = Type.Union([Type.Literal('operator'), Type.Literal('auditor'), Type.Literal('admin')], {
  description: ROLES.map((r) => `${r}: ${ROLE_DUTIES[r]}`).join('; '),
});

const TokenView = Type.Object({
  id: Type.String({ examples: ['tok_3f9a0c2b7d41e688'] }),
  name: Type.String({ description: 'Who holds it; recorded with every write made with it.' }),
  role: RoleSchema,
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Updated at most once a minute.' }),
});

const view = (t: TokenInfo) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdAt: new Date(t.createdAt).toISOString(),
  createdBy: t.createdBy,
  revokedAt: iso(t.revokedAt),
  lastUsedAt: iso(t.lastUsedAt),
});

const TokenId = Type.Object({ id: Type.String({ pattern: '^tok_[0-9a-f]{16}$' }) });

export const tokenRoutes: FastifyPluginAsyncTypebox<{ tokens: Tokens }> = async (app, { tokens }) => {
  app.get(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'API tokens, without their secrets (role: admin)',
        description: 'Role: admin. `envOperatorToken` says whether REACHWATCH_OPERATOR_TOKEN is set (an operator token that has no row here).',
        security: [{ bearer: [] }],
        querystring: Type.Object({ revoked: Type.Optional(Type.Boolean({ description: 'Include revoked tokens.' })) }),
        response: { 200: Type.Object({ tokens: Type.Array(TokenView), envOperatorToken: Type.Boolean() }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole('admin'),
    },
    async (req) => ({ tokens: tokens.list({ includeRevoked: req.query.revoked === true }).map(view), envOperatorToken: tokens.hasLegacyToken }),
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create a token (role: admin); its secret is in this reply and never again',
        description: 'Role: admin. Send the secret as `Authorization: Bearer <secret>`. Only its SHA-256 is stored.',
        security: [{ bearer: [] }],
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100, description: 'Who will hold it, e.g. "a.researcher".' }), role: RoleSchema },
          { additionalProperties: false, examples: [{ name: 'a.researcher', role: 'operator' }] },
        ),
        response: { 201: Type.Intersect([TokenView, Type.Object({ secret: Type.String() })]), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole('admin'),
    },
    async (req, reply) => {
      try {
        const { token, secret } = tokens.create({ name: req.body.name, role: req.body.role, createdBy: actorOf(req) });
        req.log.info({ token: token.id, role: token.role, name: token.name, by: req.actor?.tokenId }, 'API token created');
        return reply.code(201).send({ ...view(token), secret });
      } catch (err) {
        if (err instanceof TokenInputError) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `body parameter "name": ${err.message}` });
        throw err;
      }
    },
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token now (role: admin)',
        description: 'Role: admin. Requests with it are refused from the next one on; the row is kept, so history still names its holder.',
        security: [{ bearer: [] }],
        params: TokenId,
        response: { 200: TokenView, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
      onRequest: requireRole('admin'),
    },
    async (req, reply) => {
      const r = tokens.revoke(req.params.id);
      if (r.result === 'not_found') return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No token ${req.params.id}.` });
      if (r.result === 'already_revoked') {
        return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Token ${req.params.id} was already revoked at ${iso(r.token.revokedAt)}.` });
      }
      req.log.info({ token: r.token.id, by: req.actor?.tokenId }, 'API token revoked');
      return view(r.token);
    },
  );
};
