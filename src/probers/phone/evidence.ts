// Raw evidence of phone probes, stored verbatim. Every signal Twilio gave is kept (call status,
// SipResponseCode, ErrorCode, AnsweredBy, durations, digits, speech, recordings, Lookup fields),
// so the classifier can be re-run on it when the rules change.

import { OUTCOMES, type Evidence, type Outcome } from '../../domain.ts';

/** An error answered by Twilio's REST API (RestException) or a transport failure reaching it. */
export interface TwilioErrorFacts {
  /** HTTP status; absent when Twilio could not be reached at all. */
  status?: number;
  /** Twilio error code (20003, 20429, 21215...). */
  code?: number;
  message: string;
}

/**
 * One callback (or REST fetch) as received; or, when the call's end had to be fetched, what Twilio
 * kept about it: `twilio-event` is a request Twilio made to us for the call, from its Events log
 * (the final status callback we never got carries the SIP code there), `notification` an error or
 * warning Twilio logged for the call.
 */
export interface CallEventFacts {
  /** initiated | ringing | answered | completed | amd | fetch | gather | record | twilio-event | notification */
  kind: string;
  status?: string;
  seq?: number;
  sip?: number;
  errorCode?: number;
  durationSec?: number;
  answeredBy?: string;
  /** Of a notification: Twilio's log level. */
  level?: 'error' | 'warning';
  /** Epoch ms when we received it. */
  at: number;
}

export interface GatherFacts {
  /** 1-based step of the menu. */
  step: number;
  digits?: string;
  speech?: string;
  confidence?: number;
}

export interface CallFinal {
  status: 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';
  sip?: number;
  errorCode?: number;
  durationSec?: number;
  answeredBy?: string;
  /** Where the final status came from: the status callback, or a REST fetch after it never came. */
  source: 'callback' | 'fetch';
}

export interface CallEvidence {
  method: 'call';
  v: 1;
  number: string;
  at: number;
  callSid?: string;
  /** calls.create itself failed: no call existed. */
  createError?: TwilioErrorFacts;
  events: CallEventFacts[];
  gathers: GatherFacts[];
  recording?: { url: string; durationSec: number };
  final?: CallFinal;
  /** No final status could be obtained (callbacks and fetch both failed) before we gave up. */
  gaveUp?: string;
}

export interface LookupEvidence {
  method: 'lookup';
  v: 1;
  number: string;
  at: number;
  result?: {
    valid: boolean;
    validationErrors: string[];
    countryCode: string | null;
    callingCountryCode: string | null;
    nationalFormat: string | null;
    lineType?: string | null;
    carrierName?: string | null;
    lineTypeErrorCode?: number | null;
  };
  error?: TwilioErrorFacts;
}

/**
 * The calls one manual record stands for: the 2018 researcher called three times over two days and
 * wrote down one observation. Only the first and last times are known; the calls in between lie
 * somewhere between them.
 */
export interface ManualAttempts {
  count: number;
  /** Epoch ms of the first call. */
  first: number;
  /** Epoch ms of the last call: the record's own time (`at`). */
  last: number;
}

/** A call placed by a person (the national short number 114 cannot be dialled from abroad). */
export interface ManualEvidence {
  method: 'manual';
  v: 1;
  value: string;
  /** When the (last) call was made. */
  at: number;
  outcome: Exclude<Outcome, 'error'>;
  note: string;
  recordedBy: string;
  /** The name of the API token that sent the record (recordedBy is what the caller typed). */
  recordedByToken?: string;
  calledFrom?: string;
  /** Absent: the record stands for one call, at `at`. */
  attempts?: ManualAttempts;
}

/** More calls than this in one record is not one person's observation of a line but a log to enter as such. */
export const MAX_MANUAL_ATTEMPTS = 20;
/** The longest a record's calls may be spread: one round of calls (the 2018 round took two days), not a month's log. */
export const MAX_MANUAL_SPAN_DAYS = 14;
const DAY_MS = 86_400_000;

/** What is wrong with a record's attempts, naming the body field; null when they are consistent. Pure: no clock. */
export function manualAttemptsProblem(a: ManualAttempts, at: number): { field: string; message: string } | null {
  if (!Number.isInteger(a.count) || a.count < 1 || a.count > MAX_MANUAL_ATTEMPTS) {
    return { field: 'attempts.count', message: `must be a whole number from 1 to ${MAX_MANUAL_ATTEMPTS}, not ${String(a.count)}` };
  }
  if (!Number.isFinite(a.first)) return { field: 'attempts.first', message: 'must be a date-time' };
  if (!Number.isFinite(a.last)) return { field: 'attempts.last', message: 'must be a date-time' };
  if (a.first > a.last) return { field: 'attempts.first', message: 'must not be after "attempts.last"' };
  if (a.count === 1 && a.first !== a.last) {
    return { field: 'attempts.last', message: 'must equal "attempts.first" when "attempts.count" is 1: one call has one time' };
  }
  if (a.count > 1 && a.first === a.last) {
    return { field: 'attempts.last', message: `must be later than "attempts.first": ${a.count} calls were not all made at the same instant` };
  }
  if (a.last - a.first > MAX_MANUAL_SPAN_DAYS * DAY_MS) {
    return { field: 'attempts.last', message: `must be at most ${MAX_MANUAL_SPAN_DAYS} days after "attempts.first" (one round of calls); record longer spells as several records` };
  }
  if (a.last !== at) return { field: 'at', message: 'must equal "attempts.last": the record is dated by its last call' };
  return null;
}

export function isCallEvidence(e: Evidence): e is Evidence & CallEvidence {
  return e.method === 'call' && e.v === 1 && Array.isArray(e.events);
}

export function isLookupEvidence(e: Evidence): e is Evidence & LookupEvidence {
  return e.method === 'lookup' && e.v === 1;
}

export function isManualEvidence(e: Evidence): e is Evidence & ManualEvidence {
  return (
    e.method === 'manual' && e.v === 1 && typeof e.outcome === 'string' && e.outcome !== 'error' && (OUTCOMES as readonly string[]).includes(e.outcome) &&
    (e.attempts === undefined || isAttempts(e.attempts))
  );
}

function isAttempts(a: unknown): a is ManualAttempts {
  if (typeof a !== 'object' || a === null) return false;
  const { count, first, last } = a as Record<string, unknown>;
  return typeof count === 'number' && typeof first === 'number' && typeof last === 'number';
}
