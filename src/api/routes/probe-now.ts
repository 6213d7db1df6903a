// "Probe this channel now": an operator who has just fixed a listing, or doubts a status, need not
// wait for the next slot. The runs go through the scheduler like any other, so the per-host and
// global caps, calling hours and the per-number call limits still apply.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Monitor } from '../../daemon/monitor.ts';
import { NOT_CONFIGURED_REASON } from '../../status/probeability.ts';
import type { Queries } from '../../store/queries.ts';
import { requireRole } from '../auth.ts';
import { ErrorReply, IdParams } from '../schemas.ts';

const ProbeNowReply = Type.Object({
  channelId: Type.String(),
  jobs: Type.Array(Type.String(), { description: 'The scheduled jobs asked to run now: "<channel>#<method>" at this daemon, "<channel>#<method>@<point>" for another vantage point (a slot opened now for its agents).' }),
  requestedBy: Type.String({ description: 'The name of the token used.' }),
}, { examples: [{ channelId: 'perspective-almaty--phone-77272619580', jobs: ['perspective-almaty--phone-77272619580#lookup', 'perspective-almaty--phone-77272619580#call'], requestedBy: 'a.operator' }] });

export const probeNowRoutes: FastifyPluginAsyncTypebox<{ monitor: Monitor | null; queries: Queries }> = async (app, { monitor, queries }) => {
  app.post(
    '/channels/:id/probe-now',
    {
      schema: {
        tags: ['history'],
        summary: "Run a channel's scheduled probes now (role: operator)",
        description:
          'Role: operator (or admin). Each of the channel\'s scheduled jobs (http; lookup and call for phones) gets a one-off run now, besides its regular slots. ' +
          'Calls still wait for calling hours and respect the per-number limits. 202: the runs are queued; the results appear in the probe history. ' +
          '409: the channel has no scheduled job (not probeable, telephony not configured, manual only, or archived).',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 202: ProbeNowReply, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 503: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      if (!monitor) return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'The monitor is not running.' });
      const id = req.params.id;
      const channel = monitor.channel(id);
      if (!channel) {
        if (queries.channelExists(id)) {
          return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Channel "${id}" is archived (no longer in the registry): it is not probed.` });
        }
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No channel with id "${id}".` });
      }
      const methods = monitor.methodsOf(channel);
      const jobs = monitor.jobIdsOf(channel);
      if (jobs.length === 0) {
        const why = channel.unprobeableReason ?? (methods.length === 0 ? 'it is probed by hand only (methods: [manual])' : (monitor.notProbedReasonOf(channel.id) ?? NOT_CONFIGURED_REASON));
        return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Channel "${id}" has no scheduled probe to run: ${why}.` });
      }
      const now = Date.now();
      for (const j of jobs) monitor.scheduler.deferTo(j, now);
      req.log.info({ channel: id, jobs, by: req.actor?.tokenId }, 'probe requested now');
      return reply.code(202).send({ channelId: id, jobs, requestedBy: req.actor?.name ?? 'unknown' });
    },
  );
};
