// The twilio package, configured from the environment. REACHWATCH_TWILIO_BASE_URL points every
// Twilio REST product the daemon uses (api, lookups) at one other base URL, through the package's
// own `httpClient` option: the request machinery (auth, form encoding, RestException) stays the
// package's, only the origin changes. Used by tests, the demo, and deployments behind a proxy.

import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioErrorFacts } from './evidence.ts';

type Response<TData> = import('twilio/lib/http/response.js').default<TData>;

export class BaseUrlRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string, options: RequestClient.RequestClientOptions = {}) {
    super(options);
    this.#baseUrl = baseUrl.replace(/\/$/, '');
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const url = new URL(opts.uri);
    // Any product host, including edge/region forms such as api.dublin.ie1.twilio.com.
    if (!url.hostname.endsWith('.twilio.com')) return Promise.reject(new Error(`Not a Twilio URL: ${opts.uri}`));
    return super.request<TData>({ ...opts, uri: this.#baseUrl + url.pathname + url.search });
  }
}

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  publicUrl: string;
  baseUrl: string | null;
}

/** Credentials and addresses from the environment; null when telephony is not configured. */
export function twilioSettingsFromEnv(env: NodeJS.ProcessEnv): { settings: TwilioSettings | null; missing: string[] } {
  const need = { TWILIO_ACCOUNT_SID: env.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN, REACHWATCH_TWILIO_FROM: env.REACHWATCH_TWILIO_FROM, REACHWATCH_PUBLIC_URL: env.REACHWATCH_PUBLIC_URL };
  const missing = Object.entries(need).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) return { settings: null, missing };
  return {
    settings: {
      accountSid: need.TWILIO_ACCOUNT_SID as string,
      authToken: need.TWILIO_AUTH_TOKEN as string,
      from: need.REACHWATCH_TWILIO_FROM as string,
      publicUrl: (need.REACHWATCH_PUBLIC_URL as string).replace(/\/$/, ''),
      baseUrl: env.REACHWATCH_TWILIO_BASE_URL || null,
    },
    missing: [],
  };
}

export function createTwilioClient(s: TwilioSettings): twilio.Twilio {
  const options = { timeout: 15_000 };
  return twilio(s.accountSid, s.authToken, s.baseUrl ? { httpClient: new BaseUrlRequestClient(s.baseUrl, options) } : {});
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
