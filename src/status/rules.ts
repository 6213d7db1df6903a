// Which status rules each kind of channel is judged by: the one source for the monitor (through the
// probe writer), which applies them, and the reports, which state them to auditors.

import { timeSlot } from '../calling/policy.ts';
import { ANSWER_REASONS } from '../classifier/phone.ts';
import type { Config } from '../config/config.ts';
import type { ChannelType, Outcome } from '../domain.ts';
import type { StatusRules } from './policy.ts';

export { timeSlot };

/** The 2018 protocol: a phone is declared silent or dead only after attempts in several time slots. */
export const PHONE_SPREAD_OUTCOMES: readonly Outcome[] = ['no_answer', 'unavailable'];

export interface PhoneRuleSettings {
  /** telephony.min_slots */
  minSlots: number;
  /** telephony.answer_confirmations: a person's answer to the call menu. */
  answerConfirmations: number;
}

/**
 * A phone's rules: the website's, plus the spread over time slots for silence and a dead line, and a
 * person's answer counted as testimony (fewer confirmations than a symptom needs).
 */
export function phoneStatusRules(status: StatusRules, phone: PhoneRuleSettings): StatusRules & Required<Pick<StatusRules, 'spread' | 'answers'>> {
  return {
    ...status,
    spread: { outcomes: [...PHONE_SPREAD_OUTCOMES], minSlots: phone.minSlots },
    answers: { reasons: ANSWER_REASONS, confirmations: phone.answerConfirmations },
  };
}

/** The rules of each channel type under a configuration: a website's are N identical outcomes in a row. */
export function statusRulesFor(config: Pick<Config, 'status' | 'telephony'>): (type: ChannelType | string) => StatusRules {
  const phoneRules = phoneStatusRules(config.status, config.telephony);
  return (type) => (type === 'phone' ? phoneRules : config.status);
}

/** Whether results under these rules need their time slot (local day + half-day): only the spread rule reads it. */
export function needsTimeSlots(rules: StatusRules): boolean {
  return rules.spread !== undefined;
}

/** The time slot of a result under these rules: only the spread rule reads it (Intl formatting per website probe would be waste). */
export function timeSlotUnder(rules: StatusRules, tz: string, at: number): { slot?: string } {
  return needsTimeSlots(rules) ? { slot: timeSlot(tz, at) } : {};
}
