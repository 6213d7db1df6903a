// Manual probes: a person places the call (the national short number 114 cannot be dialled through
// Twilio from abroad) and records what happened. It is stored as evidence like any other probe,
// with who recorded it, and moves the channel's status by the same rules. One record may stand for
// several calls (three over two days, as in 2018): they are part of its evidence and count as attempts.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Monitor } from '../../daemon/monitor.ts';
import { OUTCOMES, type Evidence } from '../../domain.ts';
import { MAX_MANUAL_ATTEMPTS, MAX_MANUAL_SPAN_DAYS, manualAttemptsProblem, type ManualAttempts, type ManualEvidence } from '../../probers/phone/evidence.ts';
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
    at: Type.Optional(Type.String({ format: 'date-time', description: 'When the call was made (default: now, or `attempts.last`). Not in the future.' })),
    attempts: Type.Optional(
      Type.Object(
        {
          count: Type.Integer({ minimum: 1, maximum: MAX_MANUAL_ATTEMPTS, description: 'How many calls, all with this outcome.' }),
          first: Type.String({ format: 'date-time', description: 'When the first was made.' }),
          last: Type.String({ format: 'date-time', description: 'When the last was made: the record\'s time. Equal to `first` for one call, later for several.' }),
        },
        {
          additionalProperties: false,
          description: `The calls this record stands for (default: one, at \`at\`), at most ${MAX_MANUAL_ATTEMPTS} over at most ${MAX_MANUAL_SPAN_DAYS} days. ` +
            'Each counts as an attempt: towards the status (the 2018 protocol\'s confirmations; the first and last calls\' days or half-days count for its spread) and in availability figures.',
        },
      ),
    ),
  },
  {
    examples: [
      { outcome: 'unavailable', note: 'Automatic message: the number is unavailable.', recordedBy: 'a.researcher', calledFrom: 'Almaty landline' },
      {
        outcome: 'no_answer', note: 'Rang out each time.', recordedBy: 'a.researcher', calledFrom: 'Almaty landline',
        attempts: { count: 3, first: '2026-03-03T04:10:00Z', last: '2026-03-04T09:30:00Z' },
      },
    ],
  },
);

const ManualProbeReply = Type.Object({
  probeId: Type.Integer(),
  channelId: Type.String(),
  outcome: Type.String(),
  attempts: Type.Integer({ description: 'How many calls the record stands for.' }),
  status: Type.String(),
});

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
      const bad = (field: string, message: string) => reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `body parameter "${field}" ${message}` });
      const now = Date.now();
      let attempts: ManualAttempts | undefined;
      if (req.body.attempts) {
        attempts = { count: req.body.attempts.count, first: Date.parse(req.body.attempts.first), last: Date.parse(req.body.attempts.last) };
        // A clock a minute fast on the caller's side is not a call from the future.
        for (const field of ['first', 'last'] as const) {
          if (attempts[field] > now + 60_000) return bad(`attempts.${field}`, 'must not be in the future');
        }
      }
      const at = req.body.at ? Date.parse(req.body.at) : (attempts?.last ?? now);
      if (Number.isNaN(at) || at > now + 60_000) return bad('at', 'must be a date-time that is not in the future');
      if (attempts) {
        const problem = manualAttemptsProblem(attempts, at);
        if (problem) return bad(problem.field, problem.message);
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
        ...(attempts ? { attempts } : {}),
      };
      const asEvidence = evidence as unknown as Evidence;
      const stored = await monitor.storeRecord(channel, { evidence: asEvidence, at, ...(attempts ? { firstAt: attempts.first } : {}) });
      const count = attempts?.count ?? 1;
      req.log.info({ channel: channel.id, outcome: evidence.outcome, attempts: count, recordedBy: evidence.recordedBy, token: req.actor?.tokenId }, 'manual probe recorded');
      return reply.code(201).send({ probeId: stored.probeId, channelId: channel.id, outcome: evidence.outcome, attempts: count, status: stored.status });
    },
  );
};
