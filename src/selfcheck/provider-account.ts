// Our telephony provider's account is ours: a probe that Twilio refused for our account (bad
// credentials) says the account is broken, not the number; any other answer from Twilio says the
// account works. What a stored probe says, for the self-check's `twilio_account` check.

import type { Classification } from '../domain.ts';

/** Reasons of a stored probe that say Twilio refused our account, not the number. */
const ACCOUNT_REASONS = new Set(['twilio_auth']);
/** The methods whose probes go through the account. */
const ACCOUNT_METHODS = new Set(['call', 'lookup']);

/** The account's failure detail, null when the probe shows it works, undefined when the probe says nothing of it. */
export function providerAccountSignal(method: string, c: Classification): string | null | undefined {
  if (!ACCOUNT_METHODS.has(method)) return undefined;
  if (ACCOUNT_REASONS.has(c.reason)) return c.detail;
  if (c.outcome !== 'error') return null;
  return undefined;
}
