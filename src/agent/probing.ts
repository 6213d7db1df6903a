// What the agent probes with: the central's own probers built from the agent's configuration
// (src/probers/from-config.ts), so a website is fetched exactly as the central would fetch it, with
// the canaries that tell the agent's own network failing apart from the center's. The evidence
// carries the canaries' verdict; the central classifies it (an agent's outage becomes `error`, ours).

import type { Config } from '../config/config.ts';
import type { Channel } from '../domain.ts';
import { baseProbingFor, classifierRulesFor } from '../probers/from-config.ts';
import { probeOnce, type Attempt } from '../probers/probe-once.ts';
import type { ProbeContext, ProberSet } from '../probers/prober.ts';

export interface AgentProbing {
  probers: ProberSet;
  probe(channel: Channel, method: string, ctx: ProbeContext): Promise<Attempt>;
}

export async function agentProbingFor(config: Config): Promise<AgentProbing> {
  const { probers: base, canary } = baseProbingFor(config);
  const probers: ProberSet = {};
  for (const p of base) probers[p.method] = p;
  // Lookups only: a call needs Twilio to reach the prober's webhooks, which an agent (outward only) has not.
  const { settings } = config.twilio;
  if (settings) {
    probers.lookup = (await import('../probers/phone/lookup.ts')).createLookupProber({
      client: (await import('../probers/phone/twilio-client.ts')).createTwilioClient(settings),
      fields: config.telephony.lookupFields,
      concurrency: 4,
    });
  }
  const rules = classifierRulesFor(config);
  return {
    probers,
    // A method this agent has no prober for is recorded as such (probeOnce's "no prober" evidence): the central classifies it as our error, never the center's.
    probe: (channel, method, ctx) => probeOnce(channel, probers[method as keyof ProberSet], rules, canary, ctx),
  };
}
