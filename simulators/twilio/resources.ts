// JSON shapes of the REST resources, following the schemas in twilio-oai: `api.v2010.account.call`,
// `api.v2010.account.message`, `api.v2010.account.call.call_notification` and Lookup v2's
// `LookupResponse`. Every property of each schema is present (null where Twilio would send null),
// so a client that reads any documented field sees what production would give it.

import { createHash, randomBytes } from 'node:crypto';
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import type { LineType, LookupScenario, LookupValidationError } from './scenario.ts';
import type { CallNotification, CallState, MessageState } from './state.ts';

export const API_VERSION = '2010-04-01';

/** Twilio SIDs: two-letter prefix and 32 lowercase hex digits. */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** RFC 2822 as Twilio writes it: "Tue, 31 Aug 2010 20:36:28 +0000". */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function rfc2822OrNull(date: Date | null): string | null {
  return date === null ? null : rfc2822(date);
}

export function accountPath(accountSid: string): string {
  return `/${API_VERSION}/Accounts/${accountSid}`;
}

export function parsePhone(number: string, country?: string): PhoneNumber | undefined {
  return parsePhoneNumberFromString(number, asCountry(country));
}

/** A national-format number needs the CountryCode hint; libphonenumber wants its own type. */
function asCountry(country: string | undefined): CountryCode | undefined {
  return country !== undefined && /^[A-Z]{2}$/.test(country) ? (country as CountryCode) : undefined;
}

/** Twilio's *_formatted fields: national format where the number parses, else as given. */
function formatted(number: string): string {
  const parsed = parsePhone(number);
  return parsed?.isValid() === true ? parsed.formatNational() : number;
}

const CALL_SUBRESOURCES = [
  'notifications',
  'recordings',
  'payments',
  'events',
  'siprec',
  'streams',
  'transcriptions',
  'user_defined_message_subscriptions',
  'user_defined_messages',
] as const;

function subresourceName(key: string): string {
  return key
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

export function callJson(accountSid: string, call: CallState): Record<string, unknown> {
  const uriBase = `${accountPath(accountSid)}/Calls/${call.sid}`;
  return {
    sid: call.sid,
    date_created: rfc2822(call.dateCreated),
    date_updated: rfc2822(call.dateUpdated),
    parent_call_sid: null,
    account_sid: accountSid,
    to: call.to,
    to_formatted: formatted(call.to),
    from: call.from,
    from_formatted: formatted(call.from),
    // Outbound: the SID of the caller ID used. Derived from From so it is stable across calls.
    phone_number_sid: 'PN' + createHash('md5').update(call.from).digest('hex'),
    status: call.status,
    start_time: rfc2822OrNull(call.startTime),
    end_time: rfc2822OrNull(call.endTime),
    // The spec: "empty for busy, failed, unanswered, or ongoing calls".
    duration: call.durationSec === null ? null : String(call.durationSec),
    price: null,
    price_unit: 'USD',
    direction: 'outbound-api',
    answered_by: call.answeredBy,
    api_version: API_VERSION,
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: '0',
    trunk_sid: null,
    uri: `${uriBase}.json`,
    subresource_uris: Object.fromEntries(
      CALL_SUBRESOURCES.map((key) => [key, `${uriBase}/${subresourceName(key)}.json`]),
    ),
  };
}

export function notificationJson(accountSid: string, callSid: string, n: CallNotification): Record<string, unknown> {
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    call_sid: callSid,
    date_created: rfc2822(n.date),
    date_updated: rfc2822(n.date),
    error_code: String(n.errorCode),
    log: n.log,
    message_date: rfc2822(n.date),
    message_text: new URLSearchParams({ msg: n.message, ErrorCode: String(n.errorCode) }).toString(),
    more_info: `https://www.twilio.com/docs/errors/${n.errorCode}`,
    request_method: n.requestMethod,
    request_url: n.requestUrl,
    sid: n.sid,
    uri: `${accountPath(accountSid)}/Calls/${callSid}/Notifications/${n.sid}.json`,
  };
}

/**
 * `api.v2010.account.call.call_event`: one request Twilio made for the call (the create API request,
 * or a webhook to the application) and what came back. Twilio documents `parameters` keys "in
 * snake_case format, lower cased and words separated by underscores", and `response` as
 * date_created, request_duration, response_code, content_type and response_body; a request that got
 * no answer (dropped, refused, timed out) has a null response.
 */
export function callEventJson(
  request: { method: string; url: string; params: Record<string, string | string[]> },
  response: { at: Date; durationMs: number; status: number; contentType: string | null; body: string } | null,
): Record<string, unknown> {
  const parameters = Object.fromEntries(Object.entries(request.params).map(([k, v]) => [snakeCase(k), Array.isArray(v) ? v.join(' ') : v]));
  return {
    request: { method: request.method, url: request.url, parameters },
    response:
      response === null
        ? null
        : {
            response_code: response.status,
            request_duration: response.durationMs,
            content_type: response.contentType,
            response_body: response.body,
            date_created: rfc2822(response.at),
          },
  };
}

/** CallStatus → call_status, SipResponseCode → sip_response_code. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export function messageJson(accountSid: string, m: MessageState): Record<string, unknown> {
  const uriBase = `${accountPath(accountSid)}/Messages/${m.sid}`;
  return {
    body: m.body,
    num_segments: String(m.numSegments),
    direction: 'outbound-api',
    from: m.from,
    to: m.to,
    date_updated: rfc2822(m.dateUpdated),
    price: null,
    error_message: m.errorCode === null ? null : `Error ${m.errorCode}`,
    uri: `${uriBase}.json`,
    account_sid: accountSid,
    num_media: '0',
    status: m.status,
    messaging_service_sid: m.messagingServiceSid,
    sid: m.sid,
    date_sent: rfc2822OrNull(m.dateSent),
    date_created: rfc2822(m.dateCreated),
    error_code: m.errorCode,
    price_unit: 'USD',
    api_version: API_VERSION,
    subresource_uris: { media: `${uriBase}/Media.json` },
  };
}

/** A page of a list resource, as twilio-node's Page expects (`key` holds the items). */
export function pageJson(uri: string, key: string, items: unknown[]): Record<string, unknown> {
  return {
    [key]: items,
    end: Math.max(items.length - 1, 0),
    first_page_uri: `${uri}?PageSize=50&Page=0`,
    next_page_uri: null,
    page: 0,
    page_size: 50,
    previous_page_uri: null,
    start: 0,
    uri: `${uri}?PageSize=50&Page=0`,
  };
}

// SMS segments: GSM-7 fits 160 chars (153 per part), anything else is UCS-2 (70, 67 per part).
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/u;

export function countSegments(body: string): number {
  const chars = [...body].length;
  const [single, multi] = GSM7.test(body) ? [160, 153] : [70, 67];
  return chars <= single ? 1 : Math.ceil(chars / multi);
}

// ---- Lookup v2 -------------------------------------------------------------------------------

export const LOOKUP_FIELDS = [
  'validation',
  'caller_name',
  'sim_swap',
  'call_forwarding',
  'line_status',
  'line_type_intelligence',
  'identity_match',
  'reassigned_number',
  'sms_pumping_risk',
  'phone_number_quality_score',
  'pre_fill',
] as const;

const LINE_TYPES: Readonly<Record<string, LineType>> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'landline',
  FIXED_LINE_OR_MOBILE: 'landline',
  VOIP: 'nonFixedVoip',
  TOLL_FREE: 'tollFree',
  PREMIUM_RATE: 'premium',
  SHARED_COST: 'sharedCost',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

interface Carrier {
  name: string;
  mcc: string | null;
  mnc: string | null;
}

// Plausible KZ mobile ranges (MCC 401) so demo data looks local; not an authoritative numbering plan.
const KZ_MOBILE_CARRIERS: Readonly<Record<string, Carrier>> = {
  '700': { name: 'Altel', mcc: '401', mnc: '07' },
  '701': { name: 'Kcell', mcc: '401', mnc: '02' },
  '702': { name: 'Kcell', mcc: '401', mnc: '02' },
  '705': { name: 'Beeline KZ', mcc: '401', mnc: '01' },
  '707': { name: 'Tele2 KZ', mcc: '401', mnc: '77' },
  '708': { name: 'Altel', mcc: '401', mnc: '07' },
  '747': { name: 'Tele2 KZ', mcc: '401', mnc: '77' },
  '771': { name: 'Beeline KZ', mcc: '401', mnc: '01' },
  '775': { name: 'Kcell', mcc: '401', mnc: '02' },
  '776': { name: 'Beeline KZ', mcc: '401', mnc: '01' },
  '777': { name: 'Beeline KZ', mcc: '401', mnc: '01' },
  '778': { name: 'Kcell', mcc: '401', mnc: '02' },
};

function defaultCarrier(parsed: PhoneNumber, type: LineType): Carrier | null {
  if (parsed.country !== 'KZ') return null;
  if (type === 'landline') return { name: 'Kazakhtelecom', mcc: null, mnc: null };
  return KZ_MOBILE_CARRIERS[parsed.nationalNumber.slice(0, 3)] ?? null;
}

function validationErrors(number: string, parsed: PhoneNumber | undefined, country: string | undefined): LookupValidationError[] {
  const length = validatePhoneNumberLength(number, asCountry(country));
  if (length === 'NOT_A_NUMBER') return ['NOT_A_NUMBER'];
  if (length === 'INVALID_COUNTRY') return ['INVALID_COUNTRY_CODE'];
  if (length === 'TOO_SHORT' || length === 'TOO_LONG' || length === 'INVALID_LENGTH') return [length];
  return parsed?.isValid() === true ? [] : ['INVALID_BUT_POSSIBLE'];
}

/**
 * LookupResponse for `number` with the requested Fields, defaults from libphonenumber metadata.
 * `countryCode` (the CountryCode query parameter) lets national formats like 87012345678 parse.
 */
export function lookupJson(
  number: string,
  fields: readonly string[],
  script: LookupScenario = {},
  countryCode?: string,
): Record<string, unknown> {
  const parsed = parsePhone(number, countryCode);
  const errors = script.validationErrors ?? validationErrors(number, parsed, countryCode);
  const valid = script.valid ?? errors.length === 0;
  const lineType: LineType = script.lineType ?? LINE_TYPES[parsed?.getType() ?? ''] ?? 'unknown';
  const known = parsed !== undefined && (valid || errors.includes('INVALID_BUT_POSSIBLE'));
  const e164 = parsed?.number ?? number;
  return {
    calling_country_code: known ? parsed.countryCallingCode : null,
    country_code: script.countryCode ?? (valid ? (parsed?.country ?? null) : null),
    phone_number: e164,
    national_format: valid && parsed !== undefined ? parsed.formatNational() : null,
    valid,
    validation_errors: errors.length === 0 ? null : [...errors],
    caller_name: null,
    sim_swap: null,
    call_forwarding: null,
    line_type_intelligence: fields.includes('line_type_intelligence') ? lineTypeJson(parsed, valid, lineType, script) : null,
    line_status: fields.includes('line_status') ? lineStatusJson(valid, lineType, script) : null,
    identity_match: null,
    reassigned_number: null,
    sms_pumping_risk: null,
    phone_number_quality_score: null,
    pre_fill: null,
    url: `https://lookups.twilio.com/v2/PhoneNumbers/${e164}`,
  };
}

function lineTypeJson(
  parsed: PhoneNumber | undefined,
  valid: boolean,
  lineType: LineType,
  script: LookupScenario,
): Record<string, unknown> | null {
  if (!valid || parsed === undefined) return null;
  const errorCode = script.lineTypeErrorCode ?? null;
  if (errorCode !== null) {
    return { mobile_country_code: null, mobile_network_code: null, carrier_name: null, type: null, error_code: errorCode };
  }
  const carrier = defaultCarrier(parsed, lineType);
  return {
    mobile_country_code: script.mobileCountryCode !== undefined ? script.mobileCountryCode : (carrier?.mcc ?? null),
    mobile_network_code: script.mobileNetworkCode !== undefined ? script.mobileNetworkCode : (carrier?.mnc ?? null),
    carrier_name: script.carrierName !== undefined ? script.carrierName : (carrier?.name ?? null),
    type: lineType,
    error_code: null,
  };
}

function lineStatusJson(valid: boolean, lineType: LineType, script: LookupScenario): Record<string, unknown> | null {
  if (!valid) return null;
  if (script.lineStatus !== undefined) return { status: script.lineStatus, error_code: null };
  // Line status is HLR data: mobiles only. 60607 is Twilio's "unsupported" answer for the rest.
  return lineType === 'mobile' ? { status: 'active', error_code: null } : { status: null, error_code: 60607 };
}
