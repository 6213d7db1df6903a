// The phone and website status rules come from one place: what the monitor applies is what the
// reports tell auditors.

import { expect, test } from 'vitest';
import { ANSWER_REASONS } from '../../src/classifier/phone.ts';
import { rulesOf } from '../../src/reports/availability.ts';
import { applyProbe, INITIAL_STATE } from '../../src/status/policy.ts';
import { phoneStatusRules, statusRulesFor } from '../../src/status/rules.ts';

const settings = { defaultTz: 'Asia/Almaty', callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }, confirmations: 3, minSlots: 2, answerConfirmations: 1 };

test('a phone needs silence in several slots, and takes a person\'s answer as testimony; a website neither', () => {
  // What the monitor applies, by channel type (statusRulesFor), not the builders alone.
  const rulesFor = statusRulesFor({ status: { confirmations: 3 }, telephony: { minSlots: settings.minSlots, answerConfirmations: settings.answerConfirmations } } as Parameters<typeof statusRulesFor>[0]);
  const phone = rulesFor('phone');
  expect(phone).toEqual({ confirmations: 3, spread: { outcomes: ['no_answer', 'unavailable'], minSlots: 2 }, answers: { reasons: ANSWER_REASONS, confirmations: 1 } });
  expect(phone).toEqual(phoneStatusRules({ confirmations: 3 }, settings));
  expect(rulesFor('website')).toEqual({ confirmations: 3 });
  // Three silent calls in one afternoon do not make the phone no_answer; one more on another day does.
  let s = INITIAL_STATE;
  for (let i = 0; i < 3; i++) s = applyProbe(s, { id: i, at: i, reason: 'no_answer', detail: '', outcome: 'no_answer', slot: '2026-03-02 pm' }, phone).state;
  expect(s.status).toBe('unknown');
  s = applyProbe(s, { id: 9, at: 9, reason: 'no_answer', detail: '', outcome: 'no_answer', slot: '2026-03-03 am' }, phone).state;
  expect(s.status).toBe('no_answer');
});

test('the report states the spread rule the monitor applies', () => {
  const phone = phoneStatusRules({ confirmations: settings.confirmations }, settings);
  const stated = rulesOf(settings, 'en', 0, 3_600_000);
  expect(stated.spread).toEqual({ ...phone.spread, slot: 'local day and half-day (before/after 13:00)' });
  expect(stated.confirmations).toBe(phone.confirmations);
});
