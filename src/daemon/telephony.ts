// Telephony wiring: the twilio client, the call ledger, the lookup and call probers and the webhook
// options, built from the config (its Twilio settings and telephony section). Without credentials
// there is none of it and phone channels say "not probed: telephony not configured".

import type twilio from 'twilio';
import type { Config } from '../config/config.ts';
import type { Channel } from '../domain.ts';
import { CallLedger } from '../probers/phone/call-ledger.ts';
import { createCallProber, fetchAndApply, finish, type CallPacer } from '../probers/phone/call.ts';
import { createLookupProber } from '../probers/phone/lookup.ts';
import { createTwilioClient } from '../probers/phone/twilio-client.ts';
import type { TwilioSettings } from '../probers/phone/settings.ts';
import type { Prober } from '../probers/prober.ts';
import type { DB } from '../store/db.ts';

export interface Telephony {
  settings: TwilioSettings;
  client: twilio.Twilio;
  ledger: CallLedger;
  lookup: Prober;
  call: Prober;
  /** The probers telephony adds to the monitor's. */
  probers: Prober[];
  pacer: CallPacer;
  /** Fetches a call from Twilio and applies its status; true if it is final. */
  fetchAndApply(attemptId: string): Promise<boolean>;
  /** Waits for a call's final status, asking Twilio at each of `waits` (ms from now). */
  finish(attemptId: string, waits: number[], signal?: AbortSignal): Promise<boolean>;
}

export function createTelephony(
  db: DB,
  config: Config,
  settings: TwilioSettings,
  tzOf: (channel: Channel) => string,
  looksUp: (channel: Channel) => boolean,
  client: twilio.Twilio = createTwilioClient(settings),
): Telephony {
  const t = config.telephony;
  const ledger = new CallLedger(db);
  const call = createCallProber({
    client,
    settings,
    ledger,
    rules: {
      window: t.callingHours,
      perNumberPerDay: t.perNumberPerDay,
      perNumberPerWeek: t.perNumberPerWeek,
      estimatedCallCost: t.estimatedCallCost,
      monthlySpendCap: t.monthlySpendCap,
    },
    callsPerSecond: t.callsPerSecond,
    maxConcurrentCalls: t.maxConcurrentCalls,
    ringTimeoutSec: t.ringTimeoutSec,
    timeLimitSec: t.timeLimitSec,
    callbackGraceMs: t.callbackGraceMs,
    followUpMs: t.followUpMs,
    byocTrunk: t.byocTrunk,
    tzOf,
    looksUp,
  });
  const lookup = createLookupProber({ client, fields: t.lookupFields, concurrency: 4 });
  // twilio-node loads its REST modules on first use (~30 ms): do it now, not inside the first paced call.
  void client.calls;
  void client.lookups.v2;
  return {
    settings,
    client,
    ledger,
    lookup,
    call,
    probers: [lookup, call],
    pacer: call.pacer,
    fetchAndApply: (id) => fetchAndApply({ client, ledger }, id),
    finish: (id, waits, signal) => finish({ client, ledger }, id, waits, signal),
  };
}
