// The `scheduler` section: how many probes run at once and when each method probes.

import { fieldsOf, isObj, knownKeys, sectionOf, showDuration, showValue, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';
import { TIMEZONE_DEFAULT } from '../config/general.ts';
import { parseSchedule } from './schedule.ts';

export type ScheduledMethod = 'website' | 'lookup' | 'call' | 'sip';
const isScheduledMethod = (m: string): m is ScheduledMethod => m === 'website' || m === 'lookup' || m === 'call' || m === 'sip';

export interface SchedulerConfig {
  concurrency: number;
  perHostConcurrency: number;
  jitterMs: number;
  /** Schedule per probe method: website (http), lookup, call. */
  defaults: Record<ScheduledMethod, string>;
  /** Per-channel schedule overrides by channel id (the registry's `schedule` key wins over these). */
  channels: Record<string, string>;
}

export const SCHEDULER_DEFAULTS: SchedulerConfig = {
  concurrency: 256,
  perHostConcurrency: 2,
  jitterMs: 2000,
  defaults: { website: '5m', lookup: '1d', call: '7d', sip: '7d' },
  channels: {},
};

const D = SCHEDULER_DEFAULTS;
export const SCHEDULER_DOC: SectionDoc = {
  section: 'scheduler',
  about: 'When channels are probed. A schedule is an interval ("5m") or a cron expression ("*/10 * * * *") in the center\'s time zone.',
  keys: [
    { key: 'concurrency', default: String(D.concurrency), meaning: 'Most probes in flight at once, 1 to 10000.' },
    { key: 'per_host_concurrency', default: String(D.perHostConcurrency), meaning: 'Most probes in flight to one host, 1 to 1000.' },
    { key: 'jitter', default: showDuration(D.jitterMs), meaning: 'Random spread added to each slot so probes do not start together.' },
    { key: 'defaults.website', default: D.defaults.website, meaning: 'Schedule of website probes.' },
    { key: 'defaults.lookup', default: D.defaults.lookup, meaning: 'Schedule of Twilio Lookups.' },
    { key: 'defaults.call', default: D.defaults.call, meaning: 'Schedule of probe calls.' },
    { key: 'defaults.sip', default: D.defaults.sip, meaning: 'Schedule of probe calls through the SIP trunk.' },
    { key: 'channels', default: showValue(D.channels), meaning: 'Channel id to schedule; the registry\'s own schedule key wins over it.' },
  ],
};

export function parseSchedulerSection(raw: Obj, ctx: SectionContext): SchedulerConfig {
  const { where, problems } = ctx;
  const sched = sectionOf(raw, 'scheduler', ctx);
  const f = fieldsOf(ctx, 'scheduler', sched);
  f.known(knownKeys(SCHEDULER_DOC));
  const defaults = { ...D.defaults };
  const dRaw = sched.defaults;
  if (dRaw !== undefined) {
    if (!isObj(dRaw)) problems.push(`${where(['scheduler', 'defaults'])}: must map a probe method (website, lookup, call, sip) to a schedule.`);
    else
      for (const [type, spec] of Object.entries(dRaw)) {
        if (!isScheduledMethod(type)) problems.push(`${where(['scheduler', 'defaults', type])}: unknown probe method "${type}"; use website, lookup, call or sip.`);
        else if (typeof spec !== 'string') problems.push(`${where(['scheduler', 'defaults', type])}: must be a schedule such as "5m" or "*/10 * * * *".`);
        else {
          const s = parseSchedule(spec, TIMEZONE_DEFAULT);
          if ('error' in s) problems.push(`${where(['scheduler', 'defaults', type])}: ${s.error}`);
          else defaults[type] = spec;
        }
      }
  }
  const channels: Record<string, string> = {};
  const cRaw = sched.channels;
  if (cRaw !== undefined) {
    if (!isObj(cRaw)) problems.push(`${where(['scheduler', 'channels'])}: must map channel ids to schedules.`);
    else
      for (const [id, spec] of Object.entries(cRaw)) {
        const s = typeof spec === 'string' ? parseSchedule(spec, TIMEZONE_DEFAULT) : { error: 'must be a schedule string.' };
        if ('error' in s) problems.push(`${where(['scheduler', 'channels', id])}: ${s.error}`);
        else channels[id] = spec as string;
      }
  }
  return {
    concurrency: f.int('concurrency', D.concurrency, 1, 10_000),
    perHostConcurrency: f.int('per_host_concurrency', D.perHostConcurrency, 1, 1000),
    jitterMs: f.duration('jitter', D.jitterMs),
    defaults,
    channels,
  };
}
