// TypeBox schemas: one definition gives the TypeScript type, request validation and the OpenAPI
// document at /docs (fastify/demo's pattern).

import { Type } from 'typebox';
import { CHANNEL_STATUSES, OUTCOMES } from '../domain.ts';
import { CENTER_STATUSES } from '../status/center.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

const CHANNEL_EXAMPLE = {
      id: 'perspective-almaty--phone-77272619580', type: 'phone', value: '8 (727) 261-95-80', target: '+77272619580', probeable: true, unprobeableReason: null, archived: false,
      status: 'reachable', statusSince: '2026-11-02T04:10:00.000Z', statusReason: 'human_answered', lastOutcome: 'reachable', lastReason: 'human_answered',
      lastDetail: 'A person answered and pressed 1.', lastFlags: [], lastProbeAt: '2026-11-20T05:12:00.000Z', lastVerifiedAt: '2026-11-20T05:12:00.000Z',
      lastReachableAt: '2026-11-20T05:12:00.000Z', nextDueAt: '2026-11-27T05:00:00.000Z', confirming: null,
    };

export const ErrorReply = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String({ description: 'What is wrong, naming the parameter.' }),
  },
  { $id: 'ErrorReply', description: 'Returned for every 4xx and 5xx.' },
);

const VantagePoint = Type.Object({
  point: Type.String({ description: 'The vantage point: `central` (this daemon) or a configured point such as `kz`.', examples: ['kz'] }),
  domestic: Nullable(Type.Boolean({ description: 'Inside the country the directory serves; null when the configuration no longer names the point.' })),
  status: Type.Union(CHANNEL_STATUSES.map((s) => Type.Literal(s)), { description: "This point's own confirmed status (the same rules as a single daemon's)." }),
  since: Nullable(DateTime),
  reason: Nullable(Type.String()),
  lastProbeId: Nullable(Type.Integer()),
  lastProbeAt: Nullable(DateTime),
  lastOutcome: Nullable(Type.Union(OUTCOMES.map((o) => Type.Literal(o)))),
  lastReason: Nullable(Type.String()),
  lastDetail: Nullable(Type.String()),
  agent: Nullable(Type.Object({ id: Type.String(), name: Nullable(Type.String()) }, { description: 'The agent whose result was this point’s latest.' })),
  noData: Nullable(
    Type.Union([Type.Literal('agents_stale'), Type.Literal('no_agents'), Type.Literal('no_results')], {
      description: '"No data from <point>": its agents are silent (stale), it has no enrolled agent, or it has no verdict yet. Such a point never counts against the channel.',
    }),
  ),
});

export const ChannelVantage = Type.Object(
  {
    flags: Type.Array(Type.String(), {
      description:
        'geo_restricted: answers from a domestic point, not from abroad (it counts as reachable for the people it serves); points_disagree: the points that fail name different failures, so the status stays; stale_hold: a failure is not confirmed while a stale point last said otherwise.',
    }),
    points: Type.Array(VantagePoint),
  },
  { description: 'Only for a channel seen from several vantage points (docs/agents.md): what each point saw. `status` is their combination.' },
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
    vantage: Type.Optional(ChannelVantage),
  },
  { $id: 'Channel', examples: [CHANNEL_EXAMPLE] },
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
  {
    $id: 'Center',
    examples: [
      {
        id: 'perspective-almaty', name: 'Information-consultative group "Perspective"', kind: 'rehabilitation_center', city: 'Almaty',
        region: 'Almaty (city of republican significance)', tz: 'Asia/Almaty', archived: false, status: 'reachable', statusSince: '2026-11-02T04:10:00.000Z',
        openIncidentId: null, channels: [CHANNEL_EXAMPLE],
      },
    ],
  },
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
    vantage: Type.Optional(
      Type.Object(
        {
          point: Type.String(),
          agentId: Type.String(),
          agentName: Nullable(Type.String()),
          receivedAt: Nullable(DateTime),
          late: Nullable(Type.Boolean({ description: 'Received after its slot’s job expired (one interval after the slot); null when that is no longer known.' })),
          clockOffsetMs: Nullable(Type.Integer({ description: 'Agent clock minus central clock, when the stored times were corrected by it.' })),
        },
        { description: 'Only for a probe made by a regional agent; the evidence’s `vantage` block holds its signature.' },
      ),
    ),
  },
  {
    $id: 'Probe',
    examples: [
      {
        id: 1042, startedAt: '2026-11-20T05:12:00.000Z', dueAt: '2026-11-20T05:12:00.000Z', durationMs: 412.5, method: 'http', outcome: 'unavailable', reason: 'http_5xx',
        flags: [], classifierVersion: 1, evidence: { method: 'http', v: 1, url: 'https://example.kz/', hops: [{ url: 'https://example.kz/', status: 503 }] },
      },
    ],
  },
);

export const ProbePage = Type.Object({
  channelId: Type.String(),
  probes: Type.Array(Type.Ref('Probe')),
  nextCursor: Nullable(Type.String()),
});

export const StatusChange = Type.Object(
  {
    id: Type.Integer(),
    at: DateTime,
    from: Type.String(),
    to: Type.String(),
    reason: Nullable(Type.String()),
    probeIds: Type.Array(Type.Integer()),
    evidence: Type.Unknown(),
  },
  { examples: [{ id: 7, at: '2026-11-20T05:22:00.000Z', from: 'reachable', to: 'unavailable', reason: 'http_5xx', probeIds: [1040, 1041, 1042], evidence: { outcome: 'unavailable' } }] },
);

export const StatusChangeList = Type.Object({ channelId: Type.String(), changes: Type.Array(StatusChange) });

export const Health = Type.Object({ status: Type.Literal('ok') }, { examples: [{ status: 'ok' }] });
export const Ready = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({
    database: Type.String(),
    scheduler: Type.String(),
    canaries: Type.String(),
    telephony: Type.String({ description: 'not configured, configured, or why calls are stopped (the spend cap)' }),
  }),
}, { examples: [{ ready: true, checks: { database: 'writable', scheduler: 'running (31 channels)', canaries: 'ok: 3 of 3 canaries answered', telephony: 'configured' } }] });
