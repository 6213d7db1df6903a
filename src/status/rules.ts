// The status rules of each channel type, from the configuration: one source for the probe writer
// (via the monitor) and, later, the reports. (A file of its own beside policy.ts so that parallel
// work on the phone confirmation rule in status/ merges cleanly; the reports' copy of the phone rule
// in reports/availability.ts is to be pointed here.)

import { timeSlot } from '../calling/policy.ts';

export { timeSlot };
import { ANSWER_REASONS } from '../classifier/phone.ts';
import type { Config } from '../config/config.ts';
import type { ChannelType } from '../domain.ts';
import type { StatusRules } from './policy.ts';

export function statusRulesFor(config: Pick<Config, 'status' | 'telephony'>): (type: ChannelType | string) => StatusRules {
  const websiteRules: StatusRules = config.status;
  // The 2018 protocol: a phone is declared no_answer or unavailable only after attempts in several slots.
  const phoneRules: StatusRules = {
    ...config.status,
    spread: { outcomes: ['no_answer', 'unavailable'], minSlots: config.telephony.minSlots },
    answers: { reasons: ANSWER_REASONS, confirmations: config.telephony.answerConfirmations },
  };
  return (type) => (type === 'phone' ? phoneRules : websiteRules);
}

/** Whether results under these rules need their time slot (local day + half-day): only the spread rule reads it. */
export function needsTimeSlots(rules: StatusRules): boolean {
  return rules.spread !== undefined;
}

/** The time slot of a result under these rules: only the spread rule reads it (Intl formatting per website probe would be waste). */
export function timeSlotUnder(rules: StatusRules, tz: string, at: number): { slot?: string } {
  return needsTimeSlots(rules) ? { slot: timeSlot(tz, at) } : {};
}
