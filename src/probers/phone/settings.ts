// Telephony settings from the environment, and Twilio's errors as evidence. Kept apart from the twilio
// package itself: the package is large, and a daemon without telephony should not load it.

import { parseDuration } from '../../scheduler/schedule.ts';
import type { TwilioErrorFacts } from './evidence.ts';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  publicUrl: string;
  baseUrl: string | null;
  /** How long one REST request to Twilio may take (REACHWATCH_TWILIO_TIMEOUT, default 15s). */
  requestTimeoutMs: number;
}

export const DEFAULT_TWILIO_TIMEOUT_MS = 15_000;

/** Credentials and addresses from the environment; null when telephony is not configured. */
export function twilioSettingsFromEnv(env: NodeJS.ProcessEnv): { settings: TwilioSettings | null; missing: string[] } {
  const need = { TWILIO_ACCOUNT_SID: env.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN, REACHWATCH_TWILIO_FROM: env.REACHWATCH_TWILIO_FROM, REACHWATCH_PUBLIC_URL: env.REACHWATCH_PUBLIC_URL };
  const missing = Object.entries(need).filter(([, v]) => !v).map(([k]) => k);
  const timeout = env.REACHWATCH_TWILIO_TIMEOUT ? parseDuration(env.REACHWATCH_TWILIO_TIMEOUT) : DEFAULT_TWILIO_TIMEOUT_MS;
  if (timeout === null || timeout <= 0) missing.push(`REACHWATCH_TWILIO_TIMEOUT (a duration like "15s", not "${env.REACHWATCH_TWILIO_TIMEOUT}")`);
  if (missing.length) return { settings: null, missing };
  return {
    settings: {
      accountSid: need.TWILIO_ACCOUNT_SID as string,
      authToken: need.TWILIO_AUTH_TOKEN as string,
      from: need.REACHWATCH_TWILIO_FROM as string,
      publicUrl: (need.REACHWATCH_PUBLIC_URL as string).replace(/\/$/, ''),
      baseUrl: env.REACHWATCH_TWILIO_BASE_URL || null,
      requestTimeoutMs: timeout as number,
    },
    missing: [],
  };
}

/** What a failed REST call tells us, without the stack or the request (which carries credentials). */
export function restErrorFacts(err: unknown): TwilioErrorFacts {
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  return {
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(typeof e.code === 'number' ? { code: e.code } : {}),
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}
