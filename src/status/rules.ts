// Which status rules each kind of channel is judged by: the one source for the monitor, which
// applies them, and the reports, which state them to auditors.

import { ANSWER_REASONS } from '../classifier/phone.ts';
import type { Outcome } from '../domain.ts';
import type { StatusRules } from './policy.ts';

/** The 2018 protocol: a phone is declared silent or dead only after attempts in several time slots. */
export const PHONE_SPREAD_OUTCOMES: readonly Outcome[] = ['no_answer', 'unavailable'];

export interface PhoneRuleSettings {
  /** telephony.min_slots */
  minSlots: number;
  /** telephony.answer_confirmations: a person's answer to the call menu. */
  answerConfirmations: number;
}

/** A website's rules: N identical outcomes in a row. */
export function websiteStatusRules(status: StatusRules): StatusRules {
  return status;
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
