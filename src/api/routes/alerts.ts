// Subscriptions, the alert outbox and reachwatch's own health. Subscriptions hold addresses and
// webhook secrets, so they are the admin's; the outbox contents are the operator's (who retries
// failed alerts); the outbox's depth and the self-check are public.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ALERT_CHANNELS, SUBSCRIBABLE_EVENTS, type AlertMessage } from '../../alerts/channel.ts';
import { LANGUAGES } from '../../i18n/languages.ts';
import { generateWebhookSecret } from '../../alerts/channels/webhook.ts';
import { OUTBOX_STATUSES, type Outbox } from '../../alerts/outbox.ts';
import type { OutboxRow } from '../../store/rows.ts';
import { parseSubscription, publicSubscription } from '../../alerts/subscription.ts';
import { SubscriptionConflict, type Subscriptions } from '../../alerts/subscriptions-store.ts';
import type { SelfCheck } from '../../selfcheck/self-check.ts';
import { actorOf, requireRole } from '../auth.ts';
import { ErrorReply } from '../schemas.ts';

const SubscriptionBody = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    channel: Type.Union(ALERT_CHANNELS.map((c) => Type.Literal(c))),
    to: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 20 })], { description: 'email: address(es); sms: E.164 number' })),
    url: Type.Optional(Type.String({ description: 'webhook: the receiver (https recommended)' })),
    chat_id: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'telegram: the chat the bot posts to' })),
    language: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)))),
    centers: Type.Optional(Type.Array(Type.String(), { maxItems: 1000 })),
    regions: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
    kinds: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
    events: Type.Optional(Type.Array(Type.Union(SUBSCRIBABLE_EVENTS.map((e) => Type.Literal(e))), { minItems: 1 })),
  },
  {
    additionalProperties: false,
    examples: [{ id: 'ngo-almaty', channel: 'webhook', url: 'https://ngo.example.kz/hooks/reachwatch', language: 'ru', regions: ['Almaty'], events: ['went_dark', 'recovered'] }],
  },
);

const SubscriptionView = Type.Object({
  id: Type.String(),
  source: Type.String(),
  channel: Type.String(),
  target: Type.Record(Type.String(), Type.Unknown()),
  language: Type.String(),
  filters: Type.Object({ centers: Type.Array(Type.String()), regions: Type.Array(Type.String()), kinds: Type.Array(Type.String()), events: Type.Array(Type.String()) }),
  created_by: Type.String(),
  created_at: Type.String(),
  disabled_at: Type.Union([Type.String(), Type.Null()]),
}, {
  examples: [{
    id: 'ngo-almaty', source: 'api', channel: 'webhook', target: { kind: 'webhook', url: 'https://ngo.example.kz/hooks/reachwatch' }, language: 'ru',
    filters: { centers: [], regions: ['Almaty Region'], kinds: [], events: ['went_dark', 'recovered'] }, created_by: 'an.admin', created_at: '2026-11-21T10:00:00.000Z', disabled_at: null,
  }],
});

const OutboxItem = Type.Object({
  id: Type.String({ description: 'The idempotency key: webhook-id, and the email Message-ID.' }),
  subscriptionId: Type.String(),
  channel: Type.String(),
  event: Type.String(),
  centerId: Type.Union([Type.String(), Type.Null()]),
  incidentId: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Enum([...OUTBOX_STATUSES]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  sentAt: Type.Union([Type.String(), Type.Null()]),
  suppressedBy: Type.Union([Type.String(), Type.Null()]),
  subject: Type.String(),
}, {
  examples: [{
    id: 'msg_0mwr0tkmg990ef970dcb0a62f', subscriptionId: 'ngo-almaty', channel: 'webhook', event: 'went_dark', centerId: 'perspective-almaty', incidentId: 3,
    status: 'sent', attempts: 1, nextAttemptAt: null, lastError: null, createdAt: '2026-11-20T05:37:00.000Z', sentAt: '2026-11-20T05:37:01.000Z', suppressedBy: null,
    subject: 'Недоступен: Перспектива',
  }],
});

const Summary = Type.Object({
  pending: Type.Integer(),
  sending: Type.Integer(),
  sent: Type.Integer(),
  failed: Type.Integer(),
  suppressed: Type.Integer(),
  oldestPendingAt: Type.Union([Type.String(), Type.Null()]),
}, { examples: [{ pending: 0, sending: 0, sent: 124, failed: 1, suppressed: 6, oldestPendingAt: null }] });

const SelfCheckView = Type.Object({
  degraded: Type.Boolean(),
  since: Type.String(),
  failing: Type.Array(Type.Object({ check: Type.String(), detail: Type.String(), since: Type.String() })),
}, { examples: [{ degraded: true, since: '2026-11-21T03:00:00.000Z', failing: [{ check: 'canaries', detail: 'none of 3 canaries answered', since: '2026-11-21T03:00:00.000Z' }] }] });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const itemOf = (r: OutboxRow) => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  channel: r.channel,
  event: r.event,
  centerId: r.center_id,
  incidentId: r.incident_id,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
  lastError: r.last_error,
  createdAt: new Date(r.created_at).toISOString(),
  sentAt: iso(r.sent_at),
  suppressedBy: r.suppressed_by,
  subject: (JSON.parse(r.message) as AlertMessage).subject,
});

export const alertRoutes: FastifyPluginAsyncTypebox<{
  subscriptions: Subscriptions;
  outbox: Outbox;
  selfCheck: SelfCheck;
  configured: (channel: string) => boolean;
  kick: () => void;
}> = async (app, { subscriptions, outbox, selfCheck, configured, kick }) => {
  const notFound = (message: string) => ({ statusCode: 404, error: 'Not Found', message });

  app.get(
    '/subscriptions',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alert subscriptions (role: admin); webhook secrets are never shown',
        description: 'Role: admin.',
        security: [{ bearer: [] }],
        querystring: Type.Object({ disabled: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ subscriptions: Type.Array(SubscriptionView) }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole('admin'),
    },
    async (req) => {
      return { subscriptions: subscriptions.list(req.query.disabled === true).map(publicSubscription) };
    },
  );

  app.post(
    '/subscriptions',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Subscribe to alerts (role: admin)',
        description:
          'Role: admin. A webhook subscription gets a Standard Webhooks signing secret, returned once in this reply and never again. `created_by` is the name of the token used.',
        security: [{ bearer: [] }],
        body: SubscriptionBody,
        response: {
          201: Type.Intersect([SubscriptionView, Type.Object({ secret: Type.Optional(Type.String()) })]),
          400: ErrorReply,
          401: ErrorReply,
          403: ErrorReply,
          409: ErrorReply,
        },
      },
      onRequest: requireRole('admin'),
    },
    async (req, reply) => {
      const problems: string[] = [];
      const parsed = parseSubscription(req.body as Record<string, unknown>, (f) => `body parameter "${f}"`, problems, { generateSecret: generateWebhookSecret });
      if (!parsed) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: problems.join(' ') });
      if (!configured(parsed.channel)) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `body parameter "channel": the ${parsed.channel} channel is not configured on this daemon (see docs/alerts.md).` });
      }
      try {
        const sub = subscriptions.create(parsed, actorOf(req), Date.now());
        req.log.info({ subscription: sub.id, channel: sub.channel, by: sub.createdBy }, 'subscription created');
        return reply.code(201).send({ ...publicSubscription(sub), ...(sub.target.kind === 'webhook' ? { secret: sub.target.secret } : {}) } as never);
      } catch (err) {
        if (err instanceof SubscriptionConflict) return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: err.message });
        throw err;
      }
    },
  );

  app.delete(
    '/subscriptions/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Unsubscribe (role: admin); alerts already queued for it are not sent',
        description: 'Role: admin.',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
      onRequest: requireRole('admin'),
    },
    async (req, reply) => {
      const r = subscriptions.disable(req.params.id, Date.now());
      if (r === 'not_found') return reply.code(404).send(notFound(`No active subscription "${req.params.id}".`));
      if (r === 'from_config') return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Subscription "${req.params.id}" comes from the config file; remove it there.` });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/outbox/summary',
    { schema: { tags: ['alerts'], summary: 'How many alerts wait, were sent, or failed for good', response: { 200: Summary } } },
    async () => {
      const c = outbox.counts();
      return { ...c, oldestPendingAt: iso(c.oldestPendingAt) };
    },
  );

  app.get(
    '/outbox',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alerts, newest first (role: operator)',
        description: 'Role: operator (or admin). Messages name the subscribers\' centers; addresses stay in the subscriptions.',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          status: Type.Optional(Type.Enum([...OUTBOX_STATUSES])),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          before: Type.Optional(Type.String({ pattern: '^msg_[0-9a-z]+$' })),
        }),
        response: { 200: Type.Object({ alerts: Type.Array(OutboxItem) }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req) => {
      const q = req.query;
      return { alerts: outbox.list({ limit: q.limit, ...(q.status ? { status: q.status } : {}), ...(q.before ? { before: q.before } : {}) }).map(itemOf) };
    },
  );

  app.get(
    '/outbox/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its message and every delivery attempt (role: operator)',
        description: 'Role: operator (or admin).',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ pattern: '^msg_[0-9a-z]+$' }) }),
        response: {
          200: Type.Intersect([
            OutboxItem,
            Type.Object({
              message: Type.Unknown(),
              deliveries: Type.Array(
                Type.Object({
                  attempt: Type.Integer(),
                  at: Type.String(),
                  durationMs: Type.Number(),
                  ok: Type.Boolean(),
                  outcome: Type.Union([Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('unknown')], {
                    description: 'unknown: no answer after the request left (a timeout, a reset, reachwatch stopped); the receiver may have it, and it counts as told',
                  }),
                  permanent: Type.Boolean(),
                  detail: Type.String(),
                }),
              ),
            }),
          ]),
          400: ErrorReply,
          401: ErrorReply,
          403: ErrorReply,
          404: ErrorReply,
        },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      const row = outbox.get(req.params.id);
      if (!row) return reply.code(404).send(notFound(`No alert ${req.params.id}.`));
      return {
        ...itemOf(row),
        message: JSON.parse(row.message) as unknown,
        deliveries: outbox.attempts(row.id).map((a) => ({ attempt: a.attempt, at: new Date(a.at).toISOString(), durationMs: a.duration_ms, ok: a.ok === 1, outcome: a.outcome, permanent: a.permanent === 1, detail: a.detail })),
      };
    },
  );

  app.post(
    '/outbox/:id/retry',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Send a failed alert again, with the same id (role: operator)',
        description: 'Role: operator (or admin).',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ pattern: '^msg_[0-9a-z]+$' }) }),
        response: { 202: Type.Object({ id: Type.String(), status: Type.Literal('pending') }, { examples: [{ id: 'msg_0mwr0tkmg990ef970dcb0a62f', status: 'pending' }] }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      const row = outbox.get(req.params.id);
      if (!row) return reply.code(404).send(notFound(`No alert ${req.params.id}.`));
      if (!outbox.retry(row.id, Date.now())) return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Alert ${row.id} is ${row.status}; only failed alerts are sent again.` });
      kick();
      return reply.code(202).send({ id: row.id, status: 'pending' as const });
    },
  );

  app.get(
    '/self-check',
    { schema: { tags: ['health'], summary: "reachwatch's own health: degraded while our network, Twilio account or disk fails", response: { 200: SelfCheckView } } },
    async () => {
      const s = selfCheck.state;
      return { degraded: s.degraded, since: new Date(s.since).toISOString(), failing: s.failing.map((f) => ({ ...f, since: new Date(f.since).toISOString() })) };
    },
  );
};
