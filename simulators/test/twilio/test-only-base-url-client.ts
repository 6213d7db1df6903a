// TEST-ONLY copy of the httpClient that points twilio-node at one local base URL. The production
// class belongs to the app's telephony code; this minimal twin exists so the fake's own tests do
// not depend on it. Do not import it from src/.
//
// twilio-node builds absolute URLs per product (https://api.twilio.com, https://lookups.twilio.com)
// and hands them to `httpClient.request()`; rewriting the origin there keeps the rest of its
// machinery (auth header, form encoding with repeated keys, RestException parsing) untouched.

import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

type Response<TData> = import('twilio/lib/http/response.js').default<TData>;

export class TestOnlyBaseUrlRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string, options: RequestClient.RequestClientOptions = {}) {
    super({ timeout: 5_000, ...options });
    this.#baseUrl = baseUrl.replace(/\/$/, '');
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const url = new URL(opts.uri);
    // Any product host, including edge/region forms such as api.sydney.au1.twilio.com.
    if (!url.hostname.endsWith('.twilio.com')) return Promise.reject(new Error(`not a Twilio URL: ${opts.uri}`));
    return super.request<TData>({ ...opts, uri: this.#baseUrl + url.pathname + url.search });
  }
}

/** A twilio client whose every REST request goes to the fake at `baseUrl`. */
export function fakeTwilioClient(
  baseUrl: string,
  accountSid: string,
  authToken: string,
  options: RequestClient.RequestClientOptions = {},
): twilio.Twilio {
  return twilio(accountSid, authToken, { httpClient: new TestOnlyBaseUrlRequestClient(baseUrl, options) });
}
