// The HTTP app as a function of its dependencies; it never listens by itself, so tests use real
// sockets or inject() alike. Plugins are registered explicitly, in order (fastify/demo, without autoload):
// the security hooks first, since a hook applies only to the routes registered after it.

import { STATUS_CODES } from 'node:http';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Tokens } from '../auth/tokens.ts';
import { DEFAULTS } from '../config/config.ts';
import type { HttpConfig } from './config.ts';
import type { Monitor } from '../daemon/monitor.ts';
import type { Alerting } from '../daemon/alerting.ts';
import { alertRoutes } from './routes/alerts.ts';
import { BoardData } from '../board/data.ts';
import type { ProbeMetrics } from '../metrics/probe-metrics.ts';
import { boardRoutes } from '../board/routes.ts';
import { CenterClips } from '../board/clips.ts';
import { Sessions } from '../auth/sessions.ts';
import { sessionOf, signinRoutes, viewerOf } from './routes/signin.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { chainRoutes } from './routes/chain.ts';
import { maintenanceRoutes } from './routes/maintenance.ts';
import { buildRegistry, metricsRoutes } from './routes/metrics.ts';
import type { DB } from '../store/db.ts';
import { Queries } from '../store/queries.ts';
import type { PointsOf } from '../store/vantage-state.ts';
import { centerRoutes } from './routes/centers.ts';
import { channelRoutes } from './routes/channels.ts';
import { healthRoutes } from './routes/health.ts';
import { manualProbeRoutes } from './routes/manual-probes.ts';
import { historyRoutes } from './routes/history.ts';
import { reportRoutes } from './routes/reports.ts';
import { reportSettingsFrom, type ReportSettings } from '../reports/availability.ts';
import { probeNowRoutes } from './routes/probe-now.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { announcementRoutes } from './routes/announcements.ts';
import { agentAdminRoutes } from './routes/agents.ts';
import { AGENT_BODY_LIMIT, agentProtocolRoutes } from './routes/agent-protocol.ts';
import { agentLeaseRoutes } from './routes/agent-lease.ts';
import { AgentIngest } from '../agents/ingest.ts';
import { clockOffsetOf } from '../agents/clock.ts';
import { leaseDurations, type LeaseDurations } from '../agents/leasing.ts';
import { AgentJobs } from '../store/agent-jobs.ts';
import { classify } from '../classifier/classifier.ts';
import { agentAuth } from '../agents/auth.ts';
import { AgentRateLimit } from '../agents/rate.ts';
import { Agents } from '../agents/registry.ts';
import type { VantageConfig } from '../agents/config.ts';
import type { TwilioWebhookOptions } from './routes/twilio-webhooks.ts';
import { installAuth } from './auth.ts';
import { installCompression } from './compress.ts';
import { numericParamError } from './numeric-params.ts';
import type { App } from './types.ts';
import { Center, Channel, ErrorReply, Probe } from './schemas.ts';

export interface AppDeps {
  /** Probe series for /metrics, fed by the daemon as results are stored. */
  probeMetrics?: ProbeMetrics | null;
  /** The public board and directory; defaults apply when not given. */
  board?: { defaultTz: string; directoryDays: number; pageSize: number };
  /** Auditor reports: time zone, calling hours and confirmation rules (config defaults, in the board's zone, when not given). */
  reports?: ReportSettings;
  db: DB;
  monitor: Monitor | null;
  /** Center status, incidents, maintenance and alerts; null in tools that only read history. */
  alerting?: Alerting | null;
  logger: Logger;
  /** The data folder, where recorded clips are kept; without it the announcement and clip routes are absent. */
  audio?: { dataDir: string } | null;
  /** The board's public address (alerts.board_url: REACHWATCH_BOARD_URL or REACHWATCH_PUBLIC_URL): its origin may post the sign-in forms, and https makes the session cookie Secure. */
  publicUrl?: string | null;
  /** Twilio's webhooks, when telephony is configured. */
  twilio?: TwilioWebhookOptions | null;
  /**
   * REACHWATCH_OPERATOR_TOKEN: a legacy operator token from the environment, kept so that deployments
   * from before per-person tokens keep working. Writes made with it are recorded as
   * "operator (REACHWATCH_OPERATOR_TOKEN)".
   */
  operatorToken?: string | null;
  /** Vantage points and how agents are treated (config `vantage`); the defaults (central only) when not given. */
  vantage?: VantageConfig;
  /** How long agents' probes may take and their leases last (from the probers' settings); the defaults' when not given. */
  leaseDurations?: LeaseDurations;
  /** CORS, rate limit and body limit (config `http`); each defaults as in the config file. */
  http?: Partial<Pick<HttpConfig, 'corsOrigins' | 'rateLimit' | 'bodyLimit'>>;
  /** Each channel's configured vantage points (registry list or vantage.defaults), so a point that never reported shows as "no data from" it. */
  vantagePointsOf?: PointsOf;
  /** A socket bound before the app was built (the daemon binds first, then opens the database); call ready(), not listen(). */
  /**
   * The address of a proxy whose X-Forwarded-For gives the client's address (Fastify's trustProxy):
   * the front, when the app runs in the core behind it (src/daemon/front.ts). Unset: the socket's peer.
   */
  trustProxy?: string;
  serverFactory?: (
    handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void,
    settings: Pick<import('fastify').FastifyServerOptions, 'keepAliveTimeout' | 'requestTimeout' | 'connectionTimeout'>,
  ) => import('node:http').Server;
}

/**
 * For the server-rendered board: nothing inline, nothing from elsewhere, never framed. No
 * upgrade-insecure-requests: the daemon serves plain HTTP on loopback, and TLS is a proxy's job.
 */
export const BOARD_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"],
};

/**
 * Swagger UI at /docs (set by @fastify/swagger-ui's staticCSP on its own routes only): its scripts and
 * styles come from /docs/static, but it applies inline styles (Chromium reports a violation without
 * 'unsafe-inline' in style-src) and shows its logo and icons as data: URLs. The validator badge
 * (validator.swagger.io) is turned off rather than allowed.
 */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'none'; form-action 'self'; img-src 'self' data:; " +
  "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

/**
 * Health checks, Prometheus scrapes and Twilio's signed callbacks are never refused for volume. Agent
 * endpoints have their own limit per agent (vantage.agent_rate): agents behind one address (a NAT,
 * or tests on loopback) must not share one budget.
 */
const rateLimitExempt = (req: FastifyRequest): boolean => {
  const url = req.routeOptions.url ?? '';
  return url === '/healthz' || url === '/readyz' || url === '/metrics' || url.startsWith('/twilio/') || url.startsWith(`${AGENT_PREFIX}/`);
};

/** Where the agent endpoints live (src/api/routes/agent-protocol.ts). */
export const AGENT_PREFIX = '/agent/v1';

export type { App } from './types.ts';

export async function buildApp(deps: AppDeps): Promise<App> {
  const http = { ...DEFAULTS.http, ...deps.http };
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: http.bodyLimit,
    // Request ids make one API call traceable across log lines.
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    ...(deps.serverFactory ? { serverFactory: deps.serverFactory } : {}),
    ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.addSchema(ErrorReply);
  app.addSchema(Channel);
  app.addSchema(Center);
  app.addSchema(Probe);
  installAuth(app, new Tokens(deps.db, { legacyOperatorToken: deps.operatorToken ?? null }));

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: BOARD_CSP },
    xFrameOptions: { action: 'deny' },
    // Not includeSubDomains: the board's host name may be a subdomain of an organisation's own site.
    strictTransportSecurity: { maxAge: 180 * 86_400, includeSubDomains: false },
  });
  installCompression(app);
  // No origins configured: no CORS headers at all, so browsers keep the same-origin policy.
  if (http.corsOrigins === '*' || http.corsOrigins.length > 0) {
    await app.register(cors, { origin: http.corsOrigins, methods: ['GET', 'HEAD', 'POST', 'DELETE'], maxAge: 600 });
  }
  if (http.rateLimit.max > 0) {
    await app.register(rateLimit, {
      // Installed below as a root onRequest hook instead of per route: it then runs before each
      // route's token check, so guessing tokens is limited too, and it covers unknown URLs.
      global: false,
      max: http.rateLimit.max,
      timeWindow: http.rateLimit.windowMs,
      allowList: rateLimitExempt,
      errorResponseBuilder: (_req, ctx) =>
        Object.assign(new Error(`Too many requests: at most ${ctx.max} per ${Math.round(http.rateLimit.windowMs / 1000)} s from one address; retry in ${ctx.after}.`), {
          statusCode: ctx.statusCode,
        }),
    });
    app.addHook('onRequest', app.rateLimit());
  }

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'reachwatch API',
        version: '1',
        description: 'Availability of the help services listed in a directory: current status, and the full probe history with raw evidence.',
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness of the daemon' },
        { name: 'centers', description: 'Centers and their channels' },
        { name: 'history', description: 'Probe history and status changes' },
        { name: 'incidents', description: 'Center status changes and incidents' },
        { name: 'maintenance', description: 'Planned closures: alerts held, probes continue' },
        { name: 'alerts', description: 'Subscriptions and the durable alert outbox' },
        { name: 'tokens', description: 'API tokens and their roles (admin)' },
        { name: 'announcements', description: 'Recorded network announcements labelled by operators, and probes\' recorded clips (never public)' },
        { name: 'agents', description: 'Regional agents: admin and operator routes under /api/v1, the agents\' own under /agent/v1 (agent token)' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token: `Authorization: Bearer rw_...`. Roles: operator (manual probes, maintenance, probe now, the outbox), ' +
              'auditor (history exports), admin (everything, subscriptions and tokens). Create one with `reachwatch token create`.',
          },
          agentToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'A regional agent\'s token: `Authorization: Bearer rwa_...`, valid only on /agent/v1. Create one with `reachwatch agents create`.',
          },
        },
      },
    },
  });
  // The top bar holds only Swagger's logo (no alt text) and a spec-URL box (no label): hidden, so
  // the page keeps to what axe-core accepts; the spec is at /docs/json all the same.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { validatorUrl: null },
    // Swagger's own light greens and blues fall below WCAG AA contrast on white: darker shades.
    theme: {
      css: [{
        filename: 'theme.css',
        content:
          '.swagger-ui .topbar { display: none; }\n' +
          '.swagger-ui .info .title small.version-stamp { background-color: #1d632e; }\n' +
          '@media (prefers-color-scheme: light) { .swagger-ui .info a, .swagger-ui .info .url { color: #1f5fa8; } }\n' +
          '.swagger-ui .btn.authorize, .swagger-ui .btn.authorize svg { border-color: #1b6e47; color: #1b6e47; fill: #1b6e47; }\n' +
          '.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1f5fa8; }\n' +
          '.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #1b6e47; }\n' +
          '.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b3261e; }\n' +
          '.swagger-ui .opblock.opblock-put .opblock-summary-method, .swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #8a5300; }\n',
      }],
    },
  });

  // Bad input is the client's to fix: say which parameter and why, with 4xx, never 500.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      const first = err.validation[0];
      const where = err.validationContext ?? 'request';
      const param = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : ((first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? '');
      const message = param ? `${where} parameter "${param}" ${first?.message ?? 'is invalid'}` : `${where} ${err.message}`;
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message });
    }
    // The daemon waits only briefly for the database's write lock (a long wait would stall every
    // request); a write that did not get it is the client's to retry, not a server fault.
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') {
      req.log.warn({ err }, 'the database was busy');
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ statusCode: 503, error: 'Service Unavailable', message: 'The database is busy (another process holds its write lock); retry in a moment.' });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message =
      status >= 500
        ? 'The server could not answer this request; the error is logged.'
        : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? req.routeOptions.url?.startsWith(`${AGENT_PREFIX}/`)
            ? `The request body is larger than ${req.routeOptions.bodyLimit ?? AGENT_BODY_LIMIT} bytes, the limit of agent requests: send fewer results per batch.`
            : `The request body is larger than ${http.bodyLimit} bytes, the limit of this server (http.body_limit).`
          : err.message;
    return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Bad Request', message });
  });
  // Before Ajv coerces: numbers given as text must be plain decimals (see numeric-params.ts). The
  // error has Ajv's shape, so the handler above words it like every other validation error. Root
  // level, so every route registered below has it; a route's onRequest role check still runs first.
  app.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema;
    if (!schema) return;
    const parts = [
      ['params', schema.params, req.params],
      ['querystring', schema.querystring, req.query],
      ['body', schema.body, req.body],
    ] as const;
    for (const [context, s, value] of parts) {
      const e = numericParamError(s, value);
      if (e) throw Object.assign(new Error(e.message), { statusCode: 400, validation: [{ ...e, keyword: 'type', schemaPath: '', params: {} }], validationContext: context });
    }
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No route ${req.method} ${req.url.split('?')[0]}.` }),
  );

  const queries = new Queries(deps.db, deps.vantagePointsOf ? { pointsOf: deps.vantagePointsOf } : {});
  await app.register(healthRoutes, { monitor: deps.monitor });
  await app.register(centerRoutes, { queries, prefix: '/api/v1' });
  await app.register(channelRoutes, { queries, prefix: '/api/v1' });
  await app.register(manualProbeRoutes, { monitor: deps.monitor, queries, prefix: '/api/v1' });
  await app.register(probeNowRoutes, { monitor: deps.monitor, queries, prefix: '/api/v1' });
  await app.register(historyRoutes, { db: deps.db, prefix: '/api/v1' });
  await app.register(reportRoutes, { db: deps.db, settings: deps.reports ?? reportSettingsFrom({ ...DEFAULTS, defaultTimezone: deps.board?.defaultTz ?? DEFAULTS.defaultTimezone }), prefix: '/api/v1' });
  await app.register(tokenRoutes, { tokens: app.tokens, prefix: '/api/v1' });
  const vantage = deps.vantage ?? DEFAULTS.vantage;
  const agents = new Agents(deps.db, { points: vantage.points.map((p) => p.name) });
  const jobs = new AgentJobs(deps.db);
  // Agents' sightings (last heard, queue, clock) are written once a second for all of them, and at close.
  const sightings = setInterval(() => {
    try {
      agents.flushSightings();
    } catch (err) {
      app.log.warn({ err }, 'could not write when agents were last heard (the disk?); retrying');
    }
  }, 1000);
  sightings.unref();
  app.addHook('onClose', async () => {
    clearInterval(sightings);
    try {
      agents.flushSightings();
    } catch (err) {
      app.log.warn({ err }, 'could not write when agents were last heard at close');
    }
  });
  await app.register(agentAdminRoutes, { agents, limits: vantage, prefix: '/api/v1' });
  // The agent endpoints, in one encapsulated context: its agent-auth hook (token, revocation, the
  // per-agent rate limit, enrollment) applies to these routes and to no other.
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', agentAuth({ agents, rate: new AgentRateLimit(vantage.agentRate) }));
      const m = deps.monitor;
      const ingest = m
        ? new AgentIngest({
            store: agents.store,
            jobs,
            writer: m.writer,
            classify: (evidence) => classify(evidence, m.rules),
            slotOf: (channelId, at) => m.timeSlotOf(channelId, at),
            limits: vantage,
          })
        : null;
      await scope.register(agentProtocolRoutes, { agents, ingest });
      await scope.register(agentLeaseRoutes, {
        jobs,
        durations: deps.leaseDurations ?? leaseDurations(DEFAULTS),
        defaultTz: deps.board?.defaultTz ?? DEFAULTS.defaultTimezone,
        heartbeat: (agentId, beat, now) => {
          const offset = clockOffsetOf(beat.agentTime, now);
          agents.touch(agentId, {
            at: now,
            queueDepth: beat.queueDepth,
            oldestQueuedAt: beat.oldestQueuedAt === null ? null : beat.oldestQueuedAt - offset,
            clockOffsetMs: offset,
            ...(beat.version !== undefined ? { version: beat.version } : {}),
          });
        },
      });
    },
    { prefix: AGENT_PREFIX },
  );
  await app.register(incidentRoutes, { queries, prefix: '/api/v1' });
  await app.register(chainRoutes, { db: deps.db, prefix: '/api/v1' });
  if (deps.audio) await app.register(announcementRoutes, { db: deps.db, queries, dataDir: deps.audio.dataDir, prefix: '/api/v1' });
  const a = deps.alerting;
  if (a) {
    await app.register(maintenanceRoutes, { windows: a.maintenance, queries, prefix: '/api/v1' });
    await app.register(alertRoutes, {
      subscriptions: a.subscriptions,
      outbox: a.outbox,
      selfCheck: a.selfCheck,
      configured: (channel) => a.dispatcher.hasChannel(channel),
      kick: () => a.dispatcher.kick(),
      prefix: '/api/v1',
    });
  }
  await app.register(metricsRoutes, { register: buildRegistry(deps.db, deps.monitor, a ?? null, deps.probeMetrics ?? null) });
  const board = deps.board ?? { defaultTz: DEFAULTS.defaultTimezone, ...DEFAULTS.board };
  // Board sign-in: a session lets operators and auditors play recorded clips on the center pages.
  const sessions = new Sessions(deps.db, app.tokens);
  await app.register(signinRoutes, { sessions, queries, dataDir: deps.audio?.dataDir ?? null, publicUrl: deps.publicUrl ?? null });
  await app.register(boardRoutes, {
    data: new BoardData(deps.db, queries, board.defaultTz),
    directoryDays: board.directoryDays,
    pageSize: board.pageSize,
    viewer: (req) => viewerOf(sessionOf(sessions, req)),
    clips: deps.audio ? new CenterClips(deps.db) : null,
    selfCheck: a ? () => a.selfCheck.state : null,
    maintenance: a?.maintenance ?? null,
  });
  // Loaded only with telephony: the twilio package is large.
  if (deps.twilio) await app.register((await import('./routes/twilio-webhooks.ts')).twilioWebhookRoutes, deps.twilio);
  return app;
}
