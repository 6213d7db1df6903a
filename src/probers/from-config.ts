// The probers, classifier rules and canaries a configuration asks for: one place, so the daemon and
// `reachwatch check` probe exactly alike.

import type { ClassifierRules } from '../classifier/classifier.ts';
import type { Config } from '../config/config.ts';
import type { Channel, ProbeMethod } from '../domain.ts';
import { CanaryMonitor } from '../selfcheck/canary.ts';
import type { Prober } from './prober.ts';
import { createWebsiteProber } from './website/http.ts';

export function websiteProberFor(config: Config): Prober {
  const w = config.website;
  return createWebsiteProber({
    connectTimeoutMs: w.connectTimeoutMs,
    tlsTimeoutMs: w.tlsTimeoutMs,
    headersTimeoutMs: w.headersTimeoutMs,
    totalTimeoutMs: w.totalTimeoutMs,
    maxRedirects: w.maxRedirects,
    maxBodyBytes: w.maxBodyBytes,
    userAgent: w.userAgent,
    resolve: w.resolve,
    ...(w.localAddress ? { localAddress: w.localAddress } : {}),
  });
}

export function classifierRulesFor(config: Config): ClassifierRules {
  return { website: { slowMs: config.website.slowMs, certExpiryWarnDays: config.website.certExpiryWarnDays } };
}

export function canaryFor(config: Config, http: Prober): CanaryMonitor {
  return new CanaryMonitor({
    urls: config.canaries.urls,
    maxAgeMs: config.canaries.maxAgeMs,
    prober: http,
    // A canary is a well-known site: one slower than 10 s says our network is in trouble.
    totalTimeoutMs: config.canaries.timeoutMs ?? Math.min(config.website.totalTimeoutMs, 10_000),
  });
}

type Method = Exclude<ProbeMethod, 'manual'>;

/** The scheduled methods of a channel: the registry's choice, or the channel type's default. */
export function scheduledMethodsOf(config: Config, ch: Channel): Method[] {
  const chosen = ch.options.methods ?? (ch.type === 'website' ? ['http'] : config.telephony.methods);
  return chosen.filter((m): m is Method => m !== 'manual');
}

/** The key of a method's default schedule in `scheduler.defaults` (websites are probed by http). */
export function scheduleKeyOf(method: Method): keyof Config['scheduler']['defaults'] {
  return method === 'http' ? 'website' : method;
}

/** The deadline of a probe whose prober names none. */
export function defaultDeadlineMs(config: Pick<Config, 'website'>): number {
  return config.website.totalTimeoutMs + 5000;
}

/** The probers every configuration has (websites), and the canaries that judge our own network with them. */
export function baseProbingFor(config: Config): { probers: Prober[]; canary: CanaryMonitor } {
  const http = websiteProberFor(config);
  return { probers: [http], canary: canaryFor(config, http) };
}
