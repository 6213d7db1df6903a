// What an agent may lease and for how long: pure pieces the lease route puts together. An agent gets
// the jobs of its own vantage point whose method it has the capability for (short codes only with a
// line that dials them), each for the probe's deadline plus vantage.lease_margin, so a dead agent's
// job goes back to its point once the probe it was running would surely have ended.

import type { Config } from '../config/config.ts';
import { defaultDeadlineMs } from '../probers/from-config.ts';
import { callDeadlineMs } from '../probers/phone/call.ts';
import type { LeaseAsk, LeasedSlot } from '../store/agent-jobs.ts';
import type { AgentIdentity } from './identity.ts';
import { CAPABILITY_OF_METHOD, type AgentCapability, type LeasedJob, type LeaseRequest } from './protocol.ts';

/** How long a probe of each method may take, and how long its lease lasts. */
export interface LeaseDurations {
  deadlineMs: Readonly<Record<string, number>>;
  leaseMs: Readonly<Record<string, number>>;
}

/** When nothing (or less than asked) was leased, the agent asks again after this. */
export const LEASE_POLL_HINT_MS = 1000;

/** The deadlines the central's own probers have, for every method an agent may be given. */
export function leaseDurations(config: Pick<Config, 'website' | 'telephony' | 'vantage'>): LeaseDurations {
  const deadlineMs: Record<string, number> = {};
  for (const method of Object.keys(CAPABILITY_OF_METHOD)) deadlineMs[method] = method === 'call' ? callDeadlineMs(config.telephony) : defaultDeadlineMs(config);
  const leaseMs = Object.fromEntries(Object.entries(deadlineMs).map(([m, d]) => [m, d + config.vantage.leaseMarginMs]));
  return { deadlineMs, leaseMs };
}

/** The probe methods an agent with these capabilities can run. */
export function leasableMethods(capabilities: readonly AgentCapability[]): string[] {
  return Object.entries(CAPABILITY_OF_METHOD)
    .filter(([, needs]) => capabilities.includes(needs))
    .map(([method]) => method);
}

export function leaseAskOf(agent: AgentIdentity, req: Pick<LeaseRequest, 'max'>, now: number, durations: LeaseDurations): LeaseAsk {
  return {
    agentId: agent.id,
    vantage: agent.vantage,
    methods: leasableMethods(agent.capabilities),
    shortCodes: agent.capabilities.includes('short_codes'),
    max: req.max,
    now,
    leaseMs: durations.leaseMs,
  };
}

/** A leased slot as the protocol sends it. */
export function leasedJobOf(slot: LeasedSlot, durations: LeaseDurations, defaultTz: string): LeasedJob {
  const c = slot.channel;
  return {
    jobId: slot.jobId,
    method: slot.method,
    slotAt: slot.slotAt,
    leaseUntil: slot.leaseUntil,
    deadlineMs: durations.deadlineMs[slot.method] ?? Math.max(...Object.values(durations.deadlineMs)),
    channel: { id: c.id, centerId: c.centerId, type: c.type, value: c.value, target: c.target, options: c.options, tz: c.tz ?? defaultTz },
  };
}
