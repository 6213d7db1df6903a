// /metrics for Prometheus. Gauges are filled at scrape time from the database and the daemon's state,
// so a scrape shows what is true now; labels never carry addresses, URLs or phone numbers. Every name
// is reachwatch_… (docs/operating.md, "Metrics"); deploy/prometheus and deploy/grafana use them, and
// test/metrics checks that they use nothing else.

import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Alerting } from '../../daemon/alerting.ts';
import type { Monitor } from '../../daemon/monitor.ts';
import { OUTBOX_STATUSES } from '../../alerts/outbox.ts';
import { SELF_CHECKS } from '../../selfcheck/self-check.ts';
import { CENTER_STATUSES } from '../../status/center.ts';
import type { DB } from '../../store/db.ts';
import { SqliteMetricsRepository, type MetricsRepository } from '../../store/metrics.ts';
import { PACKAGE_VERSION } from '../../util/version.ts';
import type { ProbeMetrics } from '../../metrics/probe-metrics.ts';

export function buildRegistry(db: DB | MetricsRepository, monitor: Monitor | null, alerting: Alerting | null, probes: ProbeMetrics | null = null): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  probes?.register(register);
  new Gauge({
    name: 'reachwatch_build_info',
    help: 'Always 1: the running version and Node.js version as labels.',
    labelNames: ['version', 'node_version'],
    registers: [register],
    collect() {
      this.set({ version: PACKAGE_VERSION, node_version: process.versions.node }, 1);
    },
  });
  // Percentiles of a rolling window the scheduler keeps, not a Prometheus summary (whose count and sum
  // only grow): so the label is `percentile`, not `quantile`, which promtool reserves for summaries.
  new Gauge({
    name: 'reachwatch_scheduler_recent_lag_seconds',
    help: 'How late probes started after they were due: the 50th, 90th and 99th percentile over the last 10,000 starts.',
    labelNames: ['percentile'],
    registers: [register],
    collect() {
      this.reset();
      const s = monitor?.scheduler.lagSamples.slice(-10_000).sort((a, b) => a - b) ?? [];
      if (s.length === 0) return;
      for (const p of [50, 90, 99]) this.set({ percentile: String(p) }, (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'reachwatch_probes_in_flight',
    help: 'Probes running now.',
    registers: [register],
    collect() {
      this.set(monitor?.scheduler.inFlightCount ?? 0);
    },
  });
  new Gauge({
    name: 'reachwatch_probe_write_queue',
    help: 'Probe results waiting to be committed (grows when the disk is slow or refuses).',
    registers: [register],
    collect() {
      this.set(monitor?.writer.pending ?? 0);
    },
  });
  const counts: MetricsRepository = 'openIncidents' in db ? db : new SqliteMetricsRepository(db);

  new Gauge({
    name: 'reachwatch_centers',
    help: 'Listed centers by status (reachable, partial, dark, unknown, opted_out).',
    labelNames: ['status'],
    registers: [register],
    collect() {
      this.reset();
      for (const s of CENTER_STATUSES) this.set({ status: s }, 0);
      for (const r of counts.centersByStatus()) this.set({ status: r.status }, r.n);
    },
  });
  // One series per center and status, 1 for the status it has and 0 for the others, so a rule reads
  // `reachwatch_center_status{status="dark"} == 1` and `for:` counts from when it became dark; the
  // 0 series keep a change of status from looking like a series that vanished. Bounded: centers × 5.
  new Gauge({
    name: 'reachwatch_center_status',
    help: 'Per listed center: 1 for its current status (reachable, partial, dark, unknown, opted_out), 0 for the others.',
    labelNames: ['center', 'region', 'status'],
    registers: [register],
    collect() {
      this.reset();
      for (const c of counts.centerStatuses()) {
        for (const s of CENTER_STATUSES) this.set({ center: c.center, region: c.region, status: s }, c.status === s ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'reachwatch_incidents_open',
    help: 'Incidents (a center partly reachable or dark) not yet closed.',
    registers: [register],
    collect() {
      this.set(counts.openIncidents());
    },
  });
  new Counter({
    name: 'reachwatch_probes_stored_total',
    help: 'Probe results committed to the database since start.',
    registers: [register],
    collect() {
      this.reset();
      this.inc(monitor?.probesStored ?? 0);
    },
  });
  if (!alerting) return register;
  const a = alerting;
  new Gauge({
    name: 'reachwatch_outbox_alerts',
    help: 'Alerts in the outbox by status: pending and sending are the queue depth; failed were given up on.',
    labelNames: ['status'],
    registers: [register],
    collect() {
      this.reset();
      const c = a.outbox.counts();
      for (const s of OUTBOX_STATUSES) this.set({ status: s }, c[s]);
    },
  });
  new Gauge({
    name: 'reachwatch_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest alert not yet delivered (0 when none wait).',
    registers: [register],
    collect() {
      const at = a.outbox.counts().oldestPendingAt;
      this.set(at === null ? 0 : Math.max(0, (Date.now() - at) / 1000));
    },
  });
  new Counter({
    name: 'reachwatch_alert_deliveries_total',
    help: 'Delivery attempts since start by channel and result (ok, failed = will retry, permanent = refused for good, unknown = no answer after sending: may have arrived, will retry).',
    labelNames: ['channel', 'result'],
    registers: [register],
    collect() {
      this.reset();
      for (const [channel, d] of a.deliveries) {
        this.inc({ channel, result: 'ok' }, d.ok);
        this.inc({ channel, result: 'failed' }, d.failed);
        this.inc({ channel, result: 'permanent' }, d.permanent);
        this.inc({ channel, result: 'unknown' }, d.unknown);
      }
    },
  });
  new Gauge({
    name: 'reachwatch_self_check_degraded',
    help: '1 while reachwatch itself is degraded (center statuses frozen, only the operator alerted).',
    registers: [register],
    collect() {
      this.set(a.selfCheck.degraded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'reachwatch_self_check_failing',
    help: 'Which self-check fails (canaries, twilio_account, disk).',
    labelNames: ['check'],
    registers: [register],
    collect() {
      const failing = new Set(a.selfCheck.state.failing.map((f) => f.check));
      for (const c of SELF_CHECKS) this.set({ check: c }, failing.has(c) ? 1 : 0);
    },
  });
  return register;
}

export const metricsRoutes: FastifyPluginAsync<{ register: Registry }> = async (app, { register }) => {
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) => {
    const body = await register.metrics();
    return reply.type(register.contentType).send(body);
  });
};
