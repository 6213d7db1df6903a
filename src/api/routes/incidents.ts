// Incidents: the periods in which a center could not be fully reached, with the evidence at both ends.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Queries } from '../../store/queries.ts';
import { ErrorReply, IdParams } from '../schemas.ts';

const Incident = Type.Object({
  id: Type.Integer(),
  centerId: Type.String(),
  openedAt: Type.String({ format: 'date-time' }),
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  status: Type.String({ description: 'partial or dark while open; the status that closed it is closeReason.' }),
  worstStatus: Type.String(),
  wentDarkAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  closeReason: Type.Union([Type.String(), Type.Null()]),
  maintenanceId: Type.Union([Type.Integer(), Type.Null()], { description: 'Opened inside this maintenance window: no alert was sent.' }),
  openEvidence: Type.Unknown(),
  closeEvidence: Type.Unknown(),
}, {
  examples: [{
    id: 3, centerId: 'perspective-almaty', openedAt: '2026-11-20T05:22:00.000Z', closedAt: '2026-11-21T04:01:00.000Z', status: 'dark', worstStatus: 'dark',
    wentDarkAt: '2026-11-20T05:37:00.000Z', closeReason: 'reachable', maintenanceId: null,
    openEvidence: { channels: [{ id: 'perspective-almaty--web-www-perspektiva-group-kz', status: 'unavailable' }], probes: [{ channelId: 'perspective-almaty--web-www-perspektiva-group-kz', at: 1795302564175, reason: 'http_5xx', detail: 'The server answered HTTP 503.' }] },
    closeEvidence: { channels: [{ id: 'perspective-almaty--web-www-perspektiva-group-kz', status: 'reachable' }], probes: [] },
  }],
});

const CenterStatusChange = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  from: Type.String(),
  to: Type.String(),
  incidentId: Type.Union([Type.Integer(), Type.Null()]),
  maintenanceId: Type.Union([Type.Integer(), Type.Null()]),
  evidence: Type.Unknown(),
}, { examples: [{ id: 9, at: '2026-11-20T05:37:00.000Z', from: 'partial', to: 'dark', incidentId: 3, maintenanceId: null, evidence: { channels: [], probes: [] } }] });

const IncidentQuery = Type.Object({
  center: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  open: Type.Optional(Type.Boolean({ description: 'true: only open incidents; false: only closed ones.' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'Keyset: incidents with an id below this.' })),
});

const NumericId = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const incidentRoutes: FastifyPluginAsyncTypebox<{ queries: Queries }> = async (app, { queries }) => {
  app.get(
    '/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents, newest first',
        querystring: IncidentQuery,
        response: { 200: Type.Object({ incidents: Type.Array(Incident) }), 400: ErrorReply },
      },
    },
    async (req) => ({
      incidents: queries.incidents({
        limit: req.query.limit,
        ...(req.query.center ? { centerId: req.query.center } : {}),
        ...(req.query.open !== undefined ? { open: req.query.open } : {}),
        ...(req.query.before ? { beforeId: req.query.before } : {}),
      }),
    }),
  );

  app.get(
    '/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'One incident with the center status changes inside it',
        params: NumericId,
        response: { 200: Type.Intersect([Incident, Type.Object({ changes: Type.Array(CenterStatusChange) })]), 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const incident = queries.incident(req.params.id);
      if (!incident) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No incident with id ${req.params.id}.` });
      return incident;
    },
  );

  app.get(
    '/centers/:id/status-changes',
    {
      schema: {
        tags: ['incidents'],
        summary: "A center's status changes, newest first",
        params: IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), before: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: Type.Object({ centerId: Type.String(), changes: Type.Array(CenterStatusChange) }), 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const changes = queries.centerStatusChanges(req.params.id, req.query.limit, req.query.before ?? Number.MAX_SAFE_INTEGER);
      if (!changes) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No center with id "${req.params.id}".` });
      return { centerId: req.params.id, changes };
    },
  );
};
