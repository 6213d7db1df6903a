// The calling limits of the `telephony` section: how often, when and for how much the daemon may call.
// They live in the telephony mapping of the file; this module owns their defaults and checks.

import { fieldsOf, isObj, showValue, type KeyDoc, type Obj, type SectionContext } from '../config/section.ts';
import type { CallingWindow } from './policy.ts';

export interface CallingLimitsConfig {
  callsPerSecond: number;
  maxConcurrentCalls: number;
  callingHours: CallingWindow;
  perNumberPerDay: number;
  perNumberPerWeek: number;
  monthlySpendCap: number;
  estimatedCallCost: number;
}

export const CALLING_DEFAULTS: CallingLimitsConfig = {
  callsPerSecond: 1,
  maxConcurrentCalls: 2,
  callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' },
  perNumberPerDay: 1,
  perNumberPerWeek: 3,
  monthlySpendCap: 20,
  estimatedCallCost: 0.25,
};

const D = CALLING_DEFAULTS;
/** Rows of the telephony section's reference table. */
export const CALLING_KEYS: KeyDoc[] = [
  { key: 'calls_per_second', default: String(D.callsPerSecond), meaning: 'Most new calls a second (at least 0.01).' },
  { key: 'max_concurrent_calls', default: String(D.maxConcurrentCalls), meaning: 'Most calls in progress at once, 1 to 100.' },
  { key: 'calling_hours', default: showValue(D.callingHours), meaning: 'When a center may be called: days 1 to 7 (Monday = 1), from and to as "HH:MM" in the center\'s time zone.' },
  { key: 'per_number.per_day', default: String(D.perNumberPerDay), meaning: 'Most calls to one number a day, 0 to 100.' },
  { key: 'per_number.per_week', default: String(D.perNumberPerWeek), meaning: 'Most calls to one number a week, 0 to 700.' },
  { key: 'monthly_spend_cap', default: String(D.monthlySpendCap), meaning: 'Past this estimated spend in a month no call is placed (in the currency of estimated_call_cost).' },
  { key: 'estimated_call_cost', default: String(D.estimatedCallCost), meaning: 'What one call is assumed to cost toward the cap (the Pricing API\'s rate for the country).' },
];

export function parseCallingLimits(tel: Obj, ctx: SectionContext): CallingLimitsConfig {
  const { where, problems } = ctx;
  const f = fieldsOf(ctx, 'telephony', tel);
  let callingHours = D.callingHours;
  const ch = tel.calling_hours;
  if (ch !== undefined) {
    const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
    const ok =
      isObj(ch) &&
      Array.isArray(ch.days) && ch.days.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= 7) &&
      typeof ch.from === 'string' && hhmm.test(ch.from) && typeof ch.to === 'string' && hhmm.test(ch.to) && ch.from < ch.to;
    if (!ok) problems.push(`${where(['telephony', 'calling_hours'])}: must be {days: [1..7, Monday = 1], from: "HH:MM", to: "HH:MM"} with from before to.`);
    else callingHours = { days: ch.days as number[], from: ch.from as string, to: ch.to as string };
  }
  const perNumber = isObj(tel.per_number) ? tel.per_number : {};
  if (tel.per_number !== undefined && !isObj(tel.per_number)) problems.push(`${where(['telephony', 'per_number'])}: must be {per_day, per_week}.`);
  // per_number's keys are reported as telephony.per_day / per_week, as they always have been.
  const pn = fieldsOf(ctx, 'telephony', perNumber);
  return {
    callsPerSecond: f.number('calls_per_second', D.callsPerSecond, 0.01),
    maxConcurrentCalls: f.int('max_concurrent_calls', D.maxConcurrentCalls, 1, 100),
    callingHours,
    perNumberPerDay: pn.int('per_day', D.perNumberPerDay, 0, 100),
    perNumberPerWeek: pn.int('per_week', D.perNumberPerWeek, 0, 700),
    monthlySpendCap: f.number('monthly_spend_cap', D.monthlySpendCap, 0),
    estimatedCallCost: f.number('estimated_call_cost', D.estimatedCallCost, 0),
  };
}
