// The auditor's history export: every probe of a period with its raw evidence, across channels, as
// NDJSON (one JSON object a line), so a year of history streams without being held in memory here
// or at the client. Was this funded center reachable during its contract? This is the evidence.

import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HistoryExport } from '../../store/history-export.ts';
import type { DB } from '../../store/db.ts';
import { requireRole } from '../auth.ts';
import { ErrorReply } from '../schemas.ts';
import { parseInstant } from './channels.ts';

const ExportLine = Type.Object(
  {
    id: Type.Integer(),
    channelId: Type.String(),
    centerId: Type.String(),
    startedAt: Type.String({ format: 'date-time' }),
    dueAt: Type.String({ format: 'date-time' }),
    durationMs: Type.Number(),
    method: Type.String(),
    outcome: Type.String(),
    reason: Type.String(),
    flags: Type.Array(Type.String()),
    classifierVersion: Type.Integer(),
    evidence: Type.Unknown({ description: 'The raw evidence exactly as stored.' }),
  },
  { description: 'One line of the export.' },
);

export const historyRoutes: FastifyPluginAsyncTypebox<{ db: DB }> = async (app, { db }) => {
  const history = new HistoryExport(db);
  const bad = (message: string) => ({ statusCode: 400, error: 'Bad Request', message });

  app.get(
    '/history/probes',
    {
      schema: {
        tags: ['history'],
        summary: 'Export the probes of a period with their raw evidence, as NDJSON (role: auditor)',
        description:
          'Role: auditor (or admin). One JSON object a line (application/x-ndjson), ordered by startedAt then id, every channel (or one center\'s) ' +
          'including archived ones. `from` (inclusive) and `to` (exclusive) are ISO 8601 or epoch ms; without them the export starts at the first ' +
          'probe and ends now. At most `limit` lines are sent: if you got exactly `limit`, ask again with `after` = the id of the last line.',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          from: Type.Optional(Type.String({ description: 'Start of the period (inclusive), ISO 8601 or epoch ms.', examples: ['2026-01-01T00:00:00+06:00'] })),
          to: Type.Optional(Type.String({ description: 'End of the period (exclusive), ISO 8601 or epoch ms. Default: now.' })),
          center: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Only this center\'s channels.' })),
          limit: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100_000 }),
          after: Type.Optional(Type.Integer({ minimum: 1, description: 'Continue after this probe id (the last line of the previous response).' })),
        }),
        response: {
          200: { description: 'NDJSON: one probe a line.', content: { 'application/x-ndjson': { schema: ExportLine } } },
          400: ErrorReply,
          401: ErrorReply,
          403: ErrorReply,
          404: ErrorReply,
        },
      },
      onRequest: requireRole('auditor'),
    },
    async (req, reply) => {
      const q = req.query;
      const from = q.from === undefined ? 0 : parseInstant(q.from);
      const to = q.to === undefined ? Date.now() : parseInstant(q.to);
      if (from === null) return reply.code(400).send(bad(`querystring parameter "from" must be an ISO 8601 date-time or epoch milliseconds, not "${q.from}"`));
      if (to === null) return reply.code(400).send(bad(`querystring parameter "to" must be an ISO 8601 date-time or epoch milliseconds, not "${q.to}"`));
      if (from >= to) return reply.code(400).send(bad('querystring parameter "from" must be earlier than "to"'));
      if (q.center !== undefined && !history.centerExists(q.center)) {
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No center with id "${q.center}".` });
      }
      let after = null;
      if (q.after !== undefined) {
        after = history.keyOf(q.after);
        if (!after) return reply.code(400).send(bad(`querystring parameter "after": there is no probe ${q.after}`));
      }
      req.log.info({ by: req.actor?.tokenId, from, to, center: q.center, limit: q.limit, after: q.after }, 'history export');
      const lines = history.lines({ from, to, ...(q.center !== undefined ? { centerId: q.center } : {}), after, limit: q.limit });
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(Readable.from(lines, { objectMode: false }) as never); // a stream is sent as is; the schema only documents a line
    },
  );
};
