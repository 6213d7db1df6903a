// The twilio package, configured from the environment. REACHWATCH_TWILIO_BASE_URL points every
// Twilio REST product the daemon uses (api, lookups) at one other base URL, through the package's
// own `httpClient` option: the request machinery (auth, form encoding, RestException) stays the
// package's, only the origin changes. Used by tests, the demo, and deployments behind a proxy.

import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioSettings } from './settings.ts';

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

export function createTwilioClient(s: TwilioSettings): twilio.Twilio {
  const options = { timeout: s.requestTimeoutMs };
  return twilio(s.accountSid, s.authToken, { httpClient: s.baseUrl ? new BaseUrlRequestClient(s.baseUrl, options) : new twilio.RequestClient(options) });
}
