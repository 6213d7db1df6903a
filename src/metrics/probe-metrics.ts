// Probe series for Prometheus, under reachwatch's own names: blackbox_exporter's probe_success and
// probe_duration_seconds mean one target's last probe, and ours are aggregates, so sharing the names
// clashed in a shared Prometheus (issue 18). Labels are channel type, method and outcome and never a
// URL, a phone number or a channel id, so the series count stays small and nothing personal leaks.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StoredProbe } from '../store/probe-writer.ts';

export class ProbeMetrics {
  private readonly duration = new Histogram({
    name: 'reachwatch_probe_duration_seconds',
    help: 'How long probes took, by channel type, method and outcome.',
    labelNames: ['channel_type', 'method', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
    registers: [],
  });
  private readonly total = new Counter({
    name: 'reachwatch_probes_total',
    help: 'Probes stored since start, by channel type, method and outcome.',
    labelNames: ['channel_type', 'method', 'outcome'],
    registers: [],
  });
  /** The last informative outcome of each channel: reachable or not. */
  private readonly last = new Map<string, { type: string; method: string; ok: boolean }>();
  private readonly success = new Gauge({
    name: 'reachwatch_channels_reachable_ratio',
    help: 'Share (0 to 1) of channels whose latest informative probe found them reachable, by channel type and method; our own errors are left out.',
    labelNames: ['channel_type', 'method'],
    registers: [],
    collect: () => {
      const agg = new Map<string, { ok: number; n: number; type: string; method: string }>();
      for (const v of this.last.values()) {
        const k = `${v.type}\u0000${v.method}`;
        const a = agg.get(k) ?? { ok: 0, n: 0, type: v.type, method: v.method };
        a.n++;
        if (v.ok) a.ok++;
        agg.set(k, a);
      }
      this.success.reset();
      for (const a of agg.values()) this.success.set({ channel_type: a.type, method: a.method }, a.ok / a.n);
    },
  });

  observe(stored: StoredProbe[]): void {
    for (const s of stored) {
      const type = s.channelId.includes('--phone-') ? 'phone' : 'website';
      const method = s.record.evidence.method;
      const outcome = s.record.classification.outcome;
      const labels = { channel_type: type, method, outcome };
      this.duration.observe(labels, s.record.durationMs / 1000);
      this.total.inc(labels);
      if (outcome !== 'error' && s.record.classification.confirming !== false) this.last.set(`${s.channelId}#${method}`, { type, method, ok: outcome === 'reachable' });
    }
  }

  register(registry: Registry): void {
    registry.registerMetric(this.duration);
    registry.registerMetric(this.total);
    registry.registerMetric(this.success);
  }
}
