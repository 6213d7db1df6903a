// Lookup v2: validation and line type. Cheap and silent: nobody's phone rings. A number Lookup calls
// invalid is not dialled (the call prober's gate asks the ledger of recent lookups).

import type twilio from 'twilio';
import type { Channel, Evidence } from '../../domain.ts';
import type { Prober, ProbeContext } from '../prober.ts';
import type { LookupEvidence } from './evidence.ts';
import { restErrorFacts } from './settings.ts';

export interface LookupProberOptions {
  client: twilio.Twilio;
  /** Paid Lookup packages to ask for besides validation, e.g. ['line_type_intelligence']. */
  fields: string[];
  concurrency: number;
}

export function createLookupProber(opts: LookupProberOptions): Prober {
  return {
    channelType: 'phone',
    method: 'lookup',
    hostKey: () => 'twilio-lookups',
    hostLimits: { 'twilio-lookups': opts.concurrency },
    // A number never looked up gets its silent lookup within minutes: its first call waits for it.
    firstRunWithinMs: 5 * 60_000,
    probe: (channel, ctx) => lookup(channel, ctx, opts),
  };
}

async function lookup(channel: Channel, _ctx: ProbeContext, opts: LookupProberOptions): Promise<Evidence> {
  if (!channel.target) throw new TypeError(`channel ${channel.id} has no number to look up`);
  const evidence: LookupEvidence = { method: 'lookup', v: 1, number: channel.target, at: Date.now() };
  try {
    const fields = ['validation', ...opts.fields].join(',');
    const r = await opts.client.lookups.v2.phoneNumbers(channel.target).fetch({ fields });
    const lti = r.lineTypeIntelligence as { type?: string | null; carrier_name?: string | null; carrierName?: string | null; error_code?: number | null; errorCode?: number | null } | null;
    evidence.result = {
      valid: r.valid === true,
      validationErrors: (r.validationErrors as string[] | null) ?? [],
      countryCode: r.countryCode ?? null,
      callingCountryCode: r.callingCountryCode ?? null,
      nationalFormat: r.nationalFormat ?? null,
      ...(lti ? { lineType: lti.type ?? null, carrierName: lti.carrierName ?? lti.carrier_name ?? null, lineTypeErrorCode: lti.errorCode ?? lti.error_code ?? null } : {}),
    };
  } catch (err) {
    evidence.error = restErrorFacts(err);
  }
  return evidence as unknown as Evidence;
}
