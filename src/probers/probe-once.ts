// One attempt, end to end but without storage: probe, consult the canaries when it failed, classify.
// Shared by the daemon and by `reachwatch check`, so the CLI shows exactly what the daemon would store.

import { classify, type ClassifierRules } from '../classifier/classifier.ts';
import type { Channel, Classification, Evidence } from '../domain.ts';
import type { CanaryMonitor } from '../selfcheck/canary.ts';
import type { ProbeContext, Prober } from './prober.ts';

export interface Attempt {
  startedAt: number;
  durationMs: number;
  evidence: Evidence;
  classification: Classification;
}

export async function probeOnce(
  channel: Channel,
  prober: Prober | undefined,
  rules: ClassifierRules,
  canary: CanaryMonitor | null,
  ctx: ProbeContext,
): Promise<Attempt> {
  const startedAt = Date.now();
  const t0 = performance.now();
  let evidence: Evidence;
  if (!prober) {
    evidence = { method: 'none', v: 1, error: `No prober is configured for ${channel.type} channels.` };
  } else {
    try {
      evidence = await prober.probe(channel, ctx);
    } catch (err) {
      // A prober that throws has a bug or hit our own limits; either way the center is not to blame.
      evidence = { method: 'internal', v: 1, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }
  let classification = classify(evidence, rules);
  // Canaries judge our internet connection, so they only excuse website failures.
  if (canary && channel.type === 'website' && classification.outcome !== 'reachable' && classification.outcome !== 'error') {
    const state = await canary.state();
    if (state) {
      evidence = { ...evidence, canary: state };
      classification = classify(evidence, rules);
    }
  }
  return { startedAt, durationMs: Math.round((performance.now() - t0) * 10) / 10, evidence, classification };
}
