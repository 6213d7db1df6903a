// Twilio's REST error bodies. twilio-node's RestException reads exactly `code`, `message`,
// `more_info` and `details` from the JSON body and takes `status` from the HTTP status line, so the
// body shape matters more than the wording. Messages follow Twilio's error dictionary where known;
// a few (marked) are our best reading, not copied from a live response.

import type { RestFailureSpec } from './scenario.ts';

interface ErrorDefinition {
  status: number;
  message: string;
}

const DICTIONARY: Readonly<Record<number, ErrorDefinition>> = {
  10004: { status: 429, message: 'Call concurrency limit exceeded' },
  13224: { status: 400, message: 'Twilio does not support calling this number or the number is invalid' },
  13225: { status: 400, message: 'Call blocked by Twilio block list' },
  13227: { status: 400, message: 'Geo Permission configuration is not permitting call' },
  20003: { status: 401, message: 'Authenticate' },
  20004: { status: 405, message: 'Method not allowed' },
  20404: { status: 404, message: 'The requested resource was not found' },
  20429: { status: 429, message: 'Too Many Requests' },
  20500: { status: 500, message: 'An internal server error has occurred' },
  20503: { status: 503, message: 'Service is unavailable. Please try again' },
  21201: { status: 400, message: "No 'To' number is specified" },
  // Our reading: Twilio answers 21205 for a bad Url; we also use it when Url/Twiml is missing.
  21205: { status: 400, message: 'Url is not a valid URL' },
  21210: { status: 400, message: "'From' phone number not verified" },
  21211: { status: 400, message: "Invalid 'To' Phone Number" },
  21212: { status: 400, message: "Invalid 'From' Phone Number" },
  21213: { status: 400, message: "No 'From' number is specified" },
  21214: { status: 400, message: "'To' phone number cannot be reached" },
  21215: { status: 400, message: 'Geo Permission configuration is not permitting call' },
  21216: { status: 400, message: 'Call blocked by Twilio blocklist' },
  21217: { status: 400, message: 'Phone number does not appear to be valid' },
  21218: { status: 400, message: 'Invalid ApplicationSid' },
  21219: { status: 400, message: "'To' phone number not verified" },
  21220: { status: 400, message: 'Invalid call state for this request' },
  21408: { status: 400, message: 'Permission to send an SMS has not been enabled for the region indicated by the To number' },
  21602: { status: 400, message: 'Message body is required' },
  21603: { status: 400, message: "A 'From' phone number is required" },
  21604: { status: 400, message: "A 'To' phone number is required" },
  21610: { status: 400, message: 'Attempt to send to unsubscribed recipient' },
  21612: { status: 400, message: "The 'To' phone number is not currently reachable via SMS" },
  21614: { status: 400, message: "'To' number is not a valid mobile number" },
  60200: { status: 400, message: 'Invalid parameter' },
};

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

export function errorMessage(code: number): string {
  return DICTIONARY[code]?.message ?? `Error ${code}`;
}

/** The JSON error Twilio sends: {code, message, more_info, status}. */
export function twilioError(code: number, detail?: { status?: number; message?: string }): HttpReply {
  const status = detail?.status ?? DICTIONARY[code]?.status ?? 400;
  const body = {
    code,
    message: detail?.message ?? errorMessage(code),
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  };
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

/** Turns a scripted failure into a response; a bare status (e.g. 503) gets the matching 20xxx code. */
export function failureResponse(spec: RestFailureSpec): HttpReply {
  const status = spec.status ?? (spec.code !== undefined ? DICTIONARY[spec.code]?.status : undefined) ?? 400;
  if (spec.rawBody !== undefined) {
    return { status, contentType: 'text/html; charset=utf-8', body: spec.rawBody };
  }
  const code = spec.code ?? defaultCodeForStatus(status);
  return twilioError(code, { status, ...(spec.message !== undefined ? { message: spec.message } : {}) });
}

function defaultCodeForStatus(status: number): number {
  if (status === 401) return 20003;
  if (status === 404) return 20404;
  if (status === 429) return 20429;
  if (status === 503) return 20503;
  if (status >= 500) return 20500;
  return 60200;
}
