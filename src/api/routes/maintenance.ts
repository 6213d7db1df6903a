// Maintenance windows: declared from the config file or here. Alerts are held; probing goes on.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { MaintenanceWindow, MaintenanceWindows } from '../../maintenance/windows.ts';
import type { Queries } from '../../store/queries.ts';
import { actorOf, requireRole } from '../auth.ts';
import { ErrorReply } from '../schemas.ts';

const Window = Type.Object({
  id: Type.Integer(),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  centerId: Type.Union([Type.String(), Type.Null()]),
  region: Type.Union([Type.String(), Type.Null()]),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
}, {
  examples: [{
    id: 4, source: 'api', centerId: 'perspective-almaty', region: null, startsAt: '2026-12-30T19:00:00.000Z', endsAt: '2027-01-02T19:00:00.000Z',
    reason: 'New Year holidays', createdBy: 'a.operator', createdAt: '2026-11-21T10:00:00.000Z', cancelledAt: null,
  }],
});

const WindowBody = Type.Object(
  {
    center: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'A center id; or give region.' })),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    from: Type.String({ format: 'date-time', description: 'With its offset, e.g. 2026-12-31T00:00:00+06:00.' }),
    to: Type.String({ format: 'date-time' }),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false, examples: [{ center: 'perspective-almaty', from: '2026-12-31T00:00:00+06:00', to: '2027-01-03T00:00:00+06:00', reason: 'New Year holidays' }] },
);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const view = (w: MaintenanceWindow) => ({
  id: w.id,
  source: w.configKey ? ('config' as const) : ('api' as const),
  centerId: w.centerId,
  region: w.region,
  startsAt: new Date(w.startsAt).toISOString(),
  endsAt: new Date(w.endsAt).toISOString(),
  reason: w.reason,
  createdBy: w.createdBy,
  createdAt: new Date(w.createdAt).toISOString(),
  cancelledAt: iso(w.cancelledAt),
});

export const maintenanceRoutes: FastifyPluginAsyncTypebox<{ windows: MaintenanceWindows; queries: Queries }> = async (app, { windows, queries }) => {
  const bad = (message: string) => ({ statusCode: 400, error: 'Bad Request', message });

  app.get(
    '/maintenance',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Maintenance windows, latest first',
        querystring: Type.Object({
          center: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
          current: Type.Optional(Type.Boolean({ description: 'Only windows not yet over (and not cancelled).' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        }),
        response: { 200: Type.Object({ windows: Type.Array(Window) }), 400: ErrorReply },
      },
    },
    async (req) => ({
      windows: windows
        .list({ limit: req.query.limit, ...(req.query.center ? { centerId: req.query.center } : {}), ...(req.query.current ? { current: Date.now() } : {}) })
        .map(view),
    }),
  );

  app.post(
    '/maintenance',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Declare a maintenance window (role: operator)',
        description:
          'Role: operator (or admin). Alerts for the center (or every center of the region) are held during the window; probes continue and history marks it. `createdBy` is the name of the token used.',
        security: [{ bearer: [] }],
        body: WindowBody,
        response: { 201: Window, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      const b = req.body;
      if ((b.center === undefined) === (b.region === undefined)) return reply.code(400).send(bad('body must name exactly one of "center" or "region"'));
      const from = Date.parse(b.from);
      const to = Date.parse(b.to);
      if (!(to > from)) return reply.code(400).send(bad('body parameter "to" must be after "from"'));
      if (to <= Date.now()) return reply.code(400).send(bad('body parameter "to" is in the past: the window would hold nothing'));
      if (b.center !== undefined && !queries.center(b.center)) return reply.code(400).send(bad(`body parameter "center": no center with id "${b.center}"`));
      if (b.region !== undefined && !queries.centers().some((c) => c.region === b.region)) {
        return reply.code(400).send(bad(`body parameter "region": no center is in the region "${b.region}"`));
      }
      const w = windows.create({ centerId: b.center ?? null, region: b.region ?? null, startsAt: from, endsAt: to, reason: b.reason }, actorOf(req), Date.now());
      req.log.info({ window: w.id, center: w.centerId, region: w.region, by: w.createdBy }, 'maintenance window declared');
      return reply.code(201).send(view(w));
    },
  );

  app.delete(
    '/maintenance/:id',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'End a maintenance window now (role: operator)',
        description: 'Role: operator (or admin). Held alerts for a center still dark or partial are sent then.',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 200: Window, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      const result = windows.cancel(req.params.id, Date.now());
      if (result === 'not_found') return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No maintenance window ${req.params.id}.` });
      if (result === 'already_over') return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Maintenance window ${req.params.id} is already over.` });
      return view(windows.get(req.params.id) as MaintenanceWindow);
    },
  );
};
