// Twilio's settings (read from the environment by probers/phone/config.ts into Config.twilio), and
// Twilio's errors as evidence. Kept apart from the twilio package itself: the package is large, and a
// daemon without telephony should not load it.

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

/** What a failed REST call tells us, without the stack or the request (which carries credentials). */
export function restErrorFacts(err: unknown): TwilioErrorFacts {
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  return {
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(typeof e.code === 'number' ? { code: e.code } : {}),
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}
