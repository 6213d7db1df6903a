// The HTTP app as a function of its dependencies; it never listens by itself, so tests use real
// sockets or inject() alike. Plugins are registered explicitly, in order (fastify/demo, without autoload).

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Monitor } from '../daemon/monitor.ts';
import type { Alerting } from '../daemon/alerting.ts';
import { alertRoutes } from './routes/alerts.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { maintenanceRoutes } from './routes/maintenance.ts';
import { buildRegistry, metricsRoutes } from './routes/metrics.ts';
import type { DB } from '../store/db.ts';
import { Queries } from '../store/queries.ts';
import { centerRoutes } from './routes/centers.ts';
import { channelRoutes } from './routes/channels.ts';
import { healthRoutes } from './routes/health.ts';
import { manualProbeRoutes } from './routes/manual-probes.ts';
import type { TwilioWebhookOptions } from './routes/twilio-webhooks.ts';
import { Center, Channel, ErrorReply, Probe } from './schemas.ts';

export interface AppDeps {
  db: DB;
  monitor: Monitor | null;
  /** Center status, incidents, maintenance and alerts; null in tools that only read history. */
  alerting?: Alerting | null;
  logger: Logger;
  /** Twilio's webhooks, when telephony is configured. */
  twilio?: TwilioWebhookOptions | null;
  /** Bearer token that may record manual probes (REACHWATCH_OPERATOR_TOKEN). */
  operatorToken?: string | null;
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 64 * 1024,
    // Request ids make one API call traceable across log lines.
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.addSchema(ErrorReply);
  app.addSchema(Channel);
  app.addSchema(Center);
  app.addSchema(Probe);

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
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Bad input is the client's to fix: say which parameter and why, with 4xx, never 500.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      const first = err.validation[0];
      const where = err.validationContext ?? 'request';
      const param = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : ((first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? '');
      const message = param ? `${where} parameter "${param}" ${first?.message ?? 'is invalid'}` : `${where} ${err.message}`;
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({
      statusCode: status,
      error: status >= 500 ? 'Internal Server Error' : (err.name ?? 'Bad Request'),
      message: status >= 500 ? 'The server could not answer this request; the error is logged.' : err.message,
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No route ${req.method} ${req.url.split('?')[0]}.` }),
  );

  const queries = new Queries(deps.db);
  await app.register(healthRoutes, { db: deps.db, monitor: deps.monitor });
  await app.register(centerRoutes, { queries, prefix: '/api/v1' });
  await app.register(channelRoutes, { queries, prefix: '/api/v1' });
  await app.register(manualProbeRoutes, { monitor: deps.monitor, queries, operatorToken: deps.operatorToken ?? null, prefix: '/api/v1' });
  await app.register(incidentRoutes, { queries, prefix: '/api/v1' });
  const a = deps.alerting;
  if (a) {
    const operatorToken = deps.operatorToken ?? null;
    await app.register(maintenanceRoutes, { windows: a.maintenance, queries, operatorToken, prefix: '/api/v1' });
    await app.register(alertRoutes, {
      subscriptions: a.subscriptions,
      outbox: a.outbox,
      selfCheck: a.selfCheck,
      configured: (channel) => a.dispatcher.hasChannel(channel),
      kick: () => a.dispatcher.kick(),
      operatorToken,
      prefix: '/api/v1',
    });
  }
  await app.register(metricsRoutes, { register: buildRegistry(deps.db, deps.monitor, a ?? null) });
  // Loaded only with telephony: the twilio package is large.
  if (deps.twilio) await app.register((await import('./routes/twilio-webhooks.ts')).twilioWebhookRoutes, deps.twilio);
  return app;
}
