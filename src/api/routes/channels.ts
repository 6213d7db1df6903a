import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidCursorError, type Queries } from '../../store/queries.ts';
import { ErrorReply, IdParams, ProbePage, ProbeQuery, StatusChangeList } from '../schemas.ts';

/** Accepts ISO 8601 or epoch milliseconds; returns null when the value is neither. */
export function parseInstant(value: string): number | null {
  if (/^\d{1,16}$/.test(value)) return Number(value);
  // Only full dates or date-times: Date.parse accepts oddities like "1" that would hide mistakes.
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export const channelRoutes: FastifyPluginAsyncTypebox<{ queries: Queries }> = async (app, { queries }) => {
  const bad = (message: string) => ({ statusCode: 400, error: 'Bad Request', message });

  app.get(
    '/channels/:id/probes',
    {
      schema: {
        tags: ['history'],
        summary: 'Probe history of a channel with the raw evidence, paginated',
        description: 'Pages are newest first unless order=asc. Pass nextCursor as cursor to get the next page with the same from/to/order.',
        params: IdParams,
        querystring: ProbeQuery,
        response: { 200: ProbePage, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const from = q.from === undefined ? undefined : parseInstant(q.from);
      const to = q.to === undefined ? undefined : parseInstant(q.to);
      if (from === null) return reply.code(400).send(bad(`querystring parameter "from" must be an ISO 8601 date-time or epoch milliseconds, not "${q.from}"`));
      if (to === null) return reply.code(400).send(bad(`querystring parameter "to" must be an ISO 8601 date-time or epoch milliseconds, not "${q.to}"`));
      if (from !== undefined && to !== undefined && from >= to) return reply.code(400).send(bad('querystring parameter "from" must be earlier than "to"'));
      try {
        const page = queries.probes(req.params.id, { from, to, limit: q.limit ?? 100, cursor: q.cursor, order: q.order ?? 'desc' });
        if (!page) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No channel with id "${req.params.id}".` });
        return page;
      } catch (err) {
        if (err instanceof InvalidCursorError) return reply.code(400).send(bad(`querystring parameter "cursor": ${err.message}`));
        throw err;
      }
    },
  );

  app.get(
    '/channels/:id/status-changes',
    {
      schema: {
        tags: ['history'],
        summary: 'Status changes of a channel (the incident log), newest first, with the confirming evidence',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
        response: { 200: StatusChangeList, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const changes = queries.statusChanges(req.params.id, req.query.limit ?? 100);
      if (!changes) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No channel with id "${req.params.id}".` });
      return { channelId: req.params.id, changes };
    },
  );
};
