// The probers, classifier rules and canaries a configuration asks for: one place, so the daemon and
// `reachwatch check` probe exactly alike.

import type { ClassifierRules } from '../classifier/classifier.ts';
import type { Config } from '../config/config.ts';
import type { Channel, ProbeMethod } from '../domain.ts';
import { Announcements } from '../audio/labels.ts';
import { CanaryMonitor } from '../selfcheck/canary.ts';
import type { DB } from '../store/db.ts';
import { CallLedger } from './phone/call-ledger.ts';
import type { Prober } from './prober.ts';
import { estimatedSipCallCost } from './sip/config.ts';
import { createSipProber } from './sip/prober.ts';
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

/**
 * The sip prober when a trunk is configured (sip.proxy and REACHWATCH_SIP_USER), else null. Its calls
 * share the call ledger with Twilio's, so calling hours, per-number caps, opt-outs and the spend cap
 * (the telephony section's) count every call to a number, whichever way it was placed.
 */
export function sipProberFor(config: Config, db: DB, tzOf: (channel: Channel) => string): Prober | null {
  const s = config.sip;
  if (!s.trunk) return null;
  const t = config.telephony;
  const announcements = new Announcements(db, config.dataDir);
  return createSipProber({
    trunk: s.trunk,
    baresip: s.baresip,
    listen: s.listen,
    netInterface: s.netInterface,
    dataDir: config.dataDir,
    ledger: new CallLedger(db),
    rules: {
      window: t.callingHours,
      perNumberPerDay: t.perNumberPerDay,
      perNumberPerWeek: t.perNumberPerWeek,
      estimatedCallCost: estimatedSipCallCost(s),
      monthlySpendCap: t.monthlySpendCap,
    },
    callsPerSecond: s.callsPerSecond,
    maxConcurrentCalls: s.maxConcurrentCalls,
    ringTimeoutMs: s.ringTimeoutMs,
    listenMs: s.listenMs,
    menuWaitMs: s.menuWaitMs,
    // One length rule for every kept clip: audio.clip_max_seconds caps the SIP clips too.
    clipCapMs: Math.min(s.clipCapMs, config.audio.clipMaxSeconds * 1000),
    labels: () => announcements.labels(),
    speech: config.audio.speech,
    menu: true,
    tzOf,
    followUpMs: t.followUpMs,
  });
}
