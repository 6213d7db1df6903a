// The hash chains' heads, public: anyone may note today's head and later prove that history up to
// it was not rewritten (`reachwatch verify --head <table>:<id>:<hash>`).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DB } from '../../store/db.ts';
import { currentHeads, listHeads } from '../../store/heads.ts';
import { ErrorReply } from '../schemas.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (UTC)' });

export const chainRoutes: FastifyPluginAsyncTypebox<{ db: DB }> = async (app, { db }) => {
  app.get(
    '/chain/heads',
    {
      schema: {
        tags: ['history'],
        summary: 'The published head of each hash chain at the end of each UTC day',
        description: 'Note one (table, lastId, hash); `reachwatch verify --head table:lastId:hash` later proves history up to it is unchanged.',
        querystring: Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day) }),
        response: {
          200: Type.Object(
            {
              heads: Type.Array(Type.Object({ day: Type.String(), table: Type.String(), lastId: Type.Integer(), hash: Type.String(), records: Type.Integer(), at: Type.Integer() })),
            },
            { examples: [{ heads: [{ day: '2026-11-20', table: 'probes', lastId: 1204332, hash: '9f2c…64 hex digits', records: 1204332, at: 1795305394123 }] }] },
          ),
          400: ErrorReply,
        },
      },
    },
    async (req, reply) => {
      const from = req.query.from ?? '0000-01-01';
      const to = req.query.to ?? '9999-12-31';
      if (from > to) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'querystring parameter "from" is after "to"' });
      return { heads: listHeads(db, from, to) };
    },
  );

  app.get(
    '/chain/head',
    {
      schema: {
        tags: ['history'],
        summary: "The hash chains' current ends",
        response: {
          200: Type.Object(
            { heads: Type.Array(Type.Object({ table: Type.String(), lastId: Type.Union([Type.Integer(), Type.Null()]), hash: Type.Union([Type.String(), Type.Null()]) })) },
            { examples: [{ heads: [{ table: 'probes', lastId: 1204400, hash: '0a41…64 hex digits' }] }] },
          ),
        },
      },
    },
    async () => ({ heads: currentHeads(db) }),
  );
};
