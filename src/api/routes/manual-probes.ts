// Manual probes: a person places the call (the national short number 114 cannot be dialled through
// Twilio from abroad) and records what happened. It is stored as evidence like any other probe,
// with who recorded it, and moves the channel's status by the same rules.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { classify } from '../../classifier/classifier.ts';
import type { Monitor } from '../../daemon/monitor.ts';
import { OUTCOMES, type Evidence } from '../../domain.ts';
import type { ManualEvidence } from '../../probers/phone/evidence.ts';
import { timeSlot } from '../../calling/policy.ts';
import type { Queries } from '../../store/queries.ts';
import { ErrorReply, IdParams } from '../schemas.ts';
import { actorOf, requireRole } from '../auth.ts';

const ManualOutcome = Type.Union(OUTCOMES.filter((o) => o !== 'error').map((o) => Type.Literal(o)));

export const ManualProbeBody = Type.Object(
  {
    outcome: ManualOutcome,
    note: Type.String({ maxLength: 4000, description: 'What happened, in the caller\'s words.' }),
    recordedBy: Type.String({ minLength: 1, maxLength: 200, description: 'Who placed the call.' }),
    calledFrom: Type.Optional(Type.String({ maxLength: 200, description: 'The line used, e.g. "Almaty landline".' })),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'When the call was made (default: now). Not in the future.' })),
  },
  { examples: [{ outcome: 'unavailable', note: 'Automatic message: the number is unavailable.', recordedBy: 'a.researcher', calledFrom: 'Almaty landline' }] },
);

const ManualProbeReply = Type.Object({ probeId: Type.Integer(), channelId: Type.String(), outcome: Type.String(), status: Type.String() });

export const manualProbeRoutes: FastifyPluginAsyncTypebox<{ monitor: Monitor | null; queries: Queries }> = async (app, { monitor, queries }) => {
  app.post(
    '/channels/:id/manual-probes',
    {
      schema: {
        tags: ['history'],
        summary: 'Record a call placed by a person (role: operator)',
        description:
          'Role: operator (or admin). The record is stored as a probe with method "manual"; its evidence keeps `recordedBy` from the body and `recordedByToken`, the name of the token that sent it.',
        security: [{ bearer: [] }],
        params: IdParams,
        body: ManualProbeBody,
        response: { 201: ManualProbeReply, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 503: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      if (!monitor) return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'The monitor is not running.' });
      const channel = monitor.channel(req.params.id);
      if (!channel || !queries.channelExists(req.params.id)) {
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No channel with id "${req.params.id}".` });
      }
      const at = req.body.at ? Date.parse(req.body.at) : Date.now();
      if (Number.isNaN(at) || at > Date.now() + 60_000) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'body parameter "at" must be a date-time that is not in the future' });
      }
      const evidence: ManualEvidence = {
        method: 'manual',
        v: 1,
        value: channel.value,
        at,
        outcome: req.body.outcome,
        note: req.body.note,
        recordedBy: req.body.recordedBy,
        recordedByToken: actorOf(req),
        ...(req.body.calledFrom ? { calledFrom: req.body.calledFrom } : {}),
      };
      const asEvidence = evidence as unknown as Evidence;
      const pending = monitor.writer.add({
        channelId: channel.id,
        jobId: null,
        dueAt: at,
        startedAt: at,
        durationMs: 0,
        evidence: asEvidence,
        classification: classify(asEvidence, monitor.rules),
        slot: timeSlot(monitor.tzOf(channel), at),
      });
      monitor.writer.flush();
      const stored = await pending;
      req.log.info({ channel: channel.id, outcome: evidence.outcome, recordedBy: evidence.recordedBy, token: req.actor?.tokenId }, 'manual probe recorded');
      return reply.code(201).send({ probeId: stored.probeId, channelId: channel.id, outcome: evidence.outcome, status: stored.status });
    },
  );
};
