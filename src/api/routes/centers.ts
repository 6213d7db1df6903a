import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Queries } from '../../store/queries.ts';
import { CenterList, CenterListQuery, ErrorReply, IdParams } from '../schemas.ts';

export const centerRoutes: FastifyPluginAsyncTypebox<{ queries: Queries }> = async (app, { queries }) => {
  app.get(
    '/centers',
    {
      schema: {
        tags: ['centers'],
        summary: 'Every listed center with its channels and their current status',
        querystring: CenterListQuery,
        response: { 200: CenterList, 400: ErrorReply },
      },
    },
    async (req) => {
      const { region, kind, archived } = req.query;
      let centers = queries.centers({ includeArchived: archived === true });
      if (region) centers = centers.filter((c) => c.region?.toLowerCase() === region.toLowerCase());
      if (kind) centers = centers.filter((c) => c.kind === kind);
      return { centers };
    },
  );

  app.get(
    '/centers/:id',
    {
      schema: {
        tags: ['centers'],
        summary: 'One center, including archived channels',
        params: IdParams,
        response: { 200: Type.Ref('Center'), 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const center = queries.center(req.params.id);
      if (!center) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No center with id "${req.params.id}".` });
      return center;
    },
  );
};
