import type { Static } from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Monitor } from '../../daemon/monitor.ts';
import { Health, Ready } from '../schemas.ts';

// Both answer from memory and never touch the database: better-sqlite3 blocks the main thread while
// it waits for the disk, so a health check that wrote would hang exactly when the disk does. The
// writer keeps the verdict (src/store/write-health.ts); an idle daemon proves the disk with a
// heartbeat write every few seconds.
export const healthRoutes: FastifyPluginAsync<{ monitor: Monitor | null }> = async (app, { monitor }) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive', response: { 200: Health } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Ready: the database takes writes (no write has waited longer than store.stall_after) and the scheduler runs',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_req, reply) => {
      const body = readinessOf(monitor);
      return reply.code(body.ready ? 200 : 503).send(body);
    },
  );
};

/**
 * The body of /readyz, from memory. The core behind a front (src/daemon/core-worker.ts) also hands it
 * to the front as it changes, which answers with it while the core's thread is blocked.
 */
export function readinessOf(monitor: Monitor | null): Static<typeof Ready> {
  const writes = monitor?.writeHealth();
  const database = !writes ? 'no writer in this process' : writes.ok ? 'writable' : `not writable: ${writes.reason}`;
  const scheduler = !monitor ? 'not started' : monitor.scheduler.isRunning ? `running (${monitor.scheduler.size} channels)` : 'stopped';
  const c = monitor?.canary.lastState;
  const canaries = !monitor?.canary.configured ? 'not configured' : !c ? 'not checked yet' : c.ok ? `ok: ${c.detail}` : `failing: ${c.detail}`;
  const ready = database === 'writable' && scheduler.startsWith('running');
  const blocked = monitor?.stopped.get('call');
  const telephony = !monitor?.probers.call ? 'not configured' : blocked ? `calls stopped: ${blocked.detail}` : 'configured';
  return { ready, checks: { database, scheduler, canaries, telephony } };
}
