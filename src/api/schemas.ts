// TypeBox schemas: one definition gives the TypeScript type, request validation and the OpenAPI
// document at /docs (fastify/demo's pattern).

import { Type, type Static } from 'typebox';
import { CHANNEL_STATUSES, OUTCOMES } from '../domain.ts';
import { CENTER_STATUSES } from '../status/center.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

export const ErrorReply = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String({ description: 'What is wrong, naming the parameter.' }),
  },
  { $id: 'ErrorReply', description: 'Returned for every 4xx and 5xx.' },
);

export const Channel = Type.Object(
  {
    id: Type.String({ examples: ['perspective-almaty--phone-77272619580'] }),
    type: Type.Union([Type.Literal('website'), Type.Literal('phone')]),
    value: Type.String({ description: 'As written in the registry.' }),
    target: Nullable(Type.String({ description: 'E.164 number or URL that is probed.' })),
    probeable: Type.Boolean(),
    unprobeableReason: Nullable(Type.String()),
    archived: Type.Boolean(),
    status: Type.Union(CHANNEL_STATUSES.map((s) => Type.Literal(s)), { description: 'Confirmed status: changes only after N consecutive identical outcomes.' }),
    statusSince: Nullable(DateTime),
    statusReason: Nullable(Type.String()),
    lastOutcome: Nullable(Type.Union(OUTCOMES.map((o) => Type.Literal(o)))),
    lastReason: Nullable(Type.String()),
    lastDetail: Nullable(Type.String()),
    lastFlags: Type.Array(Type.String()),
    lastProbeAt: Nullable(DateTime),
    lastVerifiedAt: Nullable(Type.String({ format: 'date-time', description: 'Last attempt that was not an error on our side.' })),
    lastReachableAt: Nullable(DateTime),
    nextDueAt: Nullable(DateTime),
    confirming: Nullable(
      Type.Object({ outcome: Type.String(), count: Type.Integer() }, { description: 'A different outcome seen `count` times in a row, not yet confirmed.' }),
    ),
  },
  { $id: 'Channel' },
);

export const Center = Type.Object(
  {
    id: Type.String({ examples: ['perspective-almaty'] }),
    name: Type.String(),
    kind: Type.String({ examples: ['rehabilitation_center'] }),
    city: Nullable(Type.String()),
    region: Nullable(Type.String()),
    tz: Nullable(Type.String()),
    archived: Type.Boolean(),
    status: Type.Union(CENTER_STATUSES.map((s) => Type.Literal(s)), {
      description: 'reachable: a channel is confirmed reachable and none is down; dark: every probeable channel confirmed down for the grace period; partial: in between; unknown: no evidence; opted_out: asked not to be called.',
    }),
    statusSince: Nullable(DateTime),
    openIncidentId: Nullable(Type.Integer()),
    channels: Type.Array(Type.Ref('Channel')),
  },
  { $id: 'Center' },
);

export const CenterList = Type.Object({ centers: Type.Array(Type.Ref('Center')) });

export const CenterListQuery = Type.Object({
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  kind: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  archived: Type.Optional(Type.Boolean({ description: 'Include centers removed from the registry (default false).' })),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 300, pattern: '^[a-z0-9][a-z0-9-]*$' }) });

export const ProbeQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'Start of the period (inclusive), ISO 8601 or epoch ms.', examples: ['2026-11-01T00:00:00Z'] })),
  to: Type.Optional(Type.String({ description: 'End of the period (exclusive), ISO 8601 or epoch ms.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor from the previous page.' })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
});
export type ProbeQueryT = Static<typeof ProbeQuery>;

export const Probe = Type.Object(
  {
    id: Type.Integer(),
    startedAt: DateTime,
    dueAt: DateTime,
    durationMs: Type.Number(),
    method: Type.String({ examples: ['http'] }),
    outcome: Type.Union(OUTCOMES.map((o) => Type.Literal(o))),
    reason: Type.String({ examples: ['http_5xx'] }),
    flags: Type.Array(Type.String()),
    classifierVersion: Type.Integer(),
    evidence: Type.Unknown({ description: 'Raw evidence as stored: status codes, timings, TLS, hops.' }),
  },
  { $id: 'Probe' },
);

export const ProbePage = Type.Object({
  channelId: Type.String(),
  probes: Type.Array(Type.Ref('Probe')),
  nextCursor: Nullable(Type.String()),
});

export const StatusChange = Type.Object({
  id: Type.Integer(),
  at: DateTime,
  from: Type.String(),
  to: Type.String(),
  reason: Nullable(Type.String()),
  probeIds: Type.Array(Type.Integer()),
  evidence: Type.Unknown(),
});

export const StatusChangeList = Type.Object({ channelId: Type.String(), changes: Type.Array(StatusChange) });

export const Health = Type.Object({ status: Type.Literal('ok') });
export const Ready = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({
    database: Type.String(),
    scheduler: Type.String(),
    canaries: Type.String(),
    telephony: Type.String({ description: 'not configured, configured, or why calls are stopped (the spend cap)' }),
  }),
});
