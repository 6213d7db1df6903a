// The jobs of a channel across vantage points (docs/agents.md): one per (method, point). The central's
// are `<channel>#<method>` exactly as before vantage points existed (their slot memory and history
// hold); another point's are `<channel>#<method>@<point>`, whose due slots the central opens for the
// point's agents instead of probing. Pure: the monitor asks and acts.

import type { Channel, ProbeMethod } from '../domain.ts';
import { isShortCodeTarget } from '../registry/phone.ts';
import { CENTRAL, type VantageConfig } from './config.ts';
import { NOT_CONFIGURED_REASON } from '../status/probeability.ts';
import { CAPABILITY_OF_METHOD } from './protocol.ts';

type Method = Exclude<ProbeMethod, 'manual'>;

export interface PlannedJob {
  jobId: string;
  channelId: string;
  method: Method;
  /** `central`, or the point whose agents probe it. */
  point: string;
}

export function jobIdOf(channelId: string, method: string, point: string): string {
  return point === CENTRAL ? `${channelId}#${method}` : `${channelId}#${method}@${point}`;
}

/** The parts of a job id; the point is `central` when it names none. */
export function parseJobId(jobId: string): { channelId: string; method: string; point: string } {
  const hash = jobId.lastIndexOf('#');
  const rest = jobId.slice(hash + 1);
  const at = rest.indexOf('@');
  return { channelId: jobId.slice(0, hash), method: at < 0 ? rest : rest.slice(0, at), point: at < 0 ? CENTRAL : rest.slice(at + 1) };
}

/** The points that probe a channel: its registry list, or the defaults for its type. */
export function vantageOf(ch: Pick<Channel, 'type' | 'options'>, defaults: VantageConfig['defaults']): readonly string[] {
  return ch.options.vantage ?? defaults[ch.type];
}

/**
 * A channel's jobs: each scheduled method at each of its points. A channel without a target has none.
 * A short code has no lookup (there is no number to look up), and is the central's only through a line
 * that dials national numbers (the sip method, issue 16): Twilio cannot dial it from abroad.
 */
export function jobsOf(ch: Pick<Channel, 'id' | 'type' | 'target'>, methods: readonly Method[], points: readonly string[]): PlannedJob[] {
  if (!ch.target) return [];
  const shortCode = isShortCodeTarget(ch);
  const jobs: PlannedJob[] = [];
  for (const point of points) {
    for (const method of methods) {
      if (shortCode && method === 'lookup') continue;
      if (shortCode && point === CENTRAL && CAPABILITY_OF_METHOD[method] !== 'sip') continue;
      jobs.push({ jobId: jobIdOf(ch.id, method, point), channelId: ch.id, method, point });
    }
  }
  return jobs;
}

/** What the enrolled (not revoked) agents of each point can do. */
export type PointCapabilities = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Why a job cannot run anywhere, or null when it can: the central needs a prober for its method, a
 * point an enrolled agent with the method's capability (and `short_codes` for a short code).
 */
export function missingFor(job: PlannedJob, ch: Pick<Channel, 'type' | 'target'>, centralHas: (method: Method) => boolean, caps: PointCapabilities): string | null {
  if (job.point === CENTRAL) return centralHas(job.method) ? null : 'telephony not configured';
  const have = caps.get(job.point);
  if (!have || have.size === 0) return `no agent of ${job.point} is enrolled`;
  const needs = [CAPABILITY_OF_METHOD[job.method], ...(isShortCodeTarget(ch) ? ['short_codes'] : [])].filter((c): c is string => c !== undefined);
  const lacking = needs.filter((c) => !have.has(c));
  if (lacking.length === 0) return null;
  return `no agent of ${job.point} has ${lacking.map((c) => (c === 'short_codes' ? 'a line that dials short codes (short_codes)' : `the ${c} capability`)).join(' and ')}`;
}

/** A short code whose only scheduled method is a lookup: there is no number to look up. */
export const SHORT_CODE_NO_METHOD = 'not probed: a short code has no number to look up; give it the call method';

/**
 * The reason a channel with a target shows `not_probed`, or null when at least one of its jobs can run.
 * Only the central lacking telephony gives today's wording exactly, so installations without vantage
 * points read as before.
 */
export function notProbedReason(missing: readonly (string | null)[]): string | null {
  if (missing.length === 0 || missing.some((m) => m === null)) return null;
  return `not probed: ${[...new Set(missing)].join('; ')}`;
}

export interface ChannelPlan {
  /** The jobs that can run: the central has their prober, or an agent of their point can. */
  runnable: PlannedJob[];
  /** Set when none can: the channel says "not probed", with what is missing (absent: telephony not configured, today's wording). */
  notProbed: { reason?: string } | null;
}

/** A channel's jobs across its vantage points, and whether any of them can run. */
export function planChannel(
  ch: Pick<Channel, 'id' | 'type' | 'target' | 'options'>,
  methods: readonly Method[],
  defaults: VantageConfig['defaults'],
  centralHas: (method: Method) => boolean,
  caps: PointCapabilities,
): ChannelPlan {
  const jobs = jobsOf(ch, methods, vantageOf(ch, defaults));
  const missing = jobs.map((j) => missingFor(j, ch, centralHas, caps));
  const reason = methods.length > 0 && jobs.length === 0 ? SHORT_CODE_NO_METHOD : notProbedReason(missing);
  return {
    runnable: jobs.filter((_, i) => missing[i] === null),
    notProbed: reason === null ? null : reason === NOT_CONFIGURED_REASON ? {} : { reason },
  };
}
