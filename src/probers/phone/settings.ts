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
  /** How long one REST request to Twilio may take (REACHWATCH_TWILIO_TIMEOUT, default 30s as in the twilio package). */
  requestTimeoutMs: number;
}

export const DEFAULT_TWILIO_TIMEOUT_MS = 30_000;

/** REACHWATCH_TWILIO_TIMEOUT, checked: a typo must stop the daemon, not quietly switch telephony off. */
export function twilioTimeoutFromEnv(env: NodeJS.ProcessEnv): { ms: number } | { problem: string } {
  const raw = env.REACHWATCH_TWILIO_TIMEOUT;
  if (raw === undefined || raw === '') return { ms: DEFAULT_TWILIO_TIMEOUT_MS };
  const ms = parseDuration(raw);
  if (ms === null || ms < 1000 || ms > 600_000) return { problem: `REACHWATCH_TWILIO_TIMEOUT: must be a duration from 1s to 10m like "30s", not "${raw}".` };
  return { ms };
}

/** Credentials and addresses from the environment; null when telephony is not configured. */
export function twilioSettingsFromEnv(env: NodeJS.ProcessEnv): { settings: TwilioSettings | null; missing: string[] } {
  const need = { TWILIO_ACCOUNT_SID: env.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN, REACHWATCH_TWILIO_FROM: env.REACHWATCH_TWILIO_FROM, REACHWATCH_PUBLIC_URL: env.REACHWATCH_PUBLIC_URL };
  const missing = Object.entries(need).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) return { settings: null, missing };
  const timeout = twilioTimeoutFromEnv(env);
  return {
    settings: {
      accountSid: need.TWILIO_ACCOUNT_SID as string,
      authToken: need.TWILIO_AUTH_TOKEN as string,
      from: need.REACHWATCH_TWILIO_FROM as string,
      publicUrl: (need.REACHWATCH_PUBLIC_URL as string).replace(/\/$/, ''),
      baseUrl: env.REACHWATCH_TWILIO_BASE_URL || null,
      requestTimeoutMs: 'ms' in timeout ? timeout.ms : DEFAULT_TWILIO_TIMEOUT_MS,
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
