import type { FastifyPluginAsync } from 'fastify';
import type { Monitor } from '../../daemon/monitor.ts';
import type { DB } from '../../store/db.ts';
import { ErrorReply, Health, Ready } from '../schemas.ts';

export const healthRoutes: FastifyPluginAsync<{ db: DB; monitor: Monitor | null }> = async (app, { db, monitor }) => {
  // A write, not a read: "ready" must mean the disk accepts commits (full disk, read-only mount, lock).
  const heartbeat = db.prepare('INSERT INTO daemon_heartbeat (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at');

  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive', response: { 200: Health } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Ready: the database is writable and the scheduler runs',
        response: { 200: Ready, 503: Ready, 500: ErrorReply },
      },
    },
    async (_req, reply) => {
      let database = 'writable';
      try {
        heartbeat.run(Date.now());
        if (monitor?.lastWriteError) database = `probe results not written: ${monitor.lastWriteError}`;
      } catch (err) {
        database = `not writable: ${err instanceof Error ? err.message : String(err)}`;
      }
      const scheduler = !monitor ? 'not started' : monitor.scheduler.isRunning ? `running (${monitor.scheduler.size} channels)` : 'stopped';
      const c = monitor?.canary.lastState;
      const canaries = !monitor?.canary.configured ? 'not configured' : !c ? 'not checked yet' : c.ok ? `ok: ${c.detail}` : `failing: ${c.detail}`;
      const ready = database === 'writable' && scheduler.startsWith('running');
      const blocked = monitor?.callingBlocked;
      const telephony = !monitor?.telephony ? 'not configured' : blocked ? `calls stopped: ${blocked.detail}` : 'configured';
      return reply.code(ready ? 200 : 503).send({ ready, checks: { database, scheduler, canaries, telephony } });
    },
  );
};
