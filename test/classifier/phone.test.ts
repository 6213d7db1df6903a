// The phone classifier against /work/shared/docs/telephony.md §1 (first matching row wins), §2.5 (SIP
// codes) and §2.6 (Twilio error codes). Evidence is built by hand, exactly as the ledger/lookup/manual
// probers store it; classifyPhone must be a pure function of it.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { classifyPhone } from '../../src/classifier/phone.ts';
import { MENU_KEYS, speechToKey } from '../../src/probers/phone/menu.ts';
import { OUTCOMES, type Classification, type Evidence, type Outcome } from '../../src/domain.ts';
import type {
  CallEvidence,
  CallEventFacts,
  CallFinal,
  GatherFacts,
  LookupEvidence,
  ManualEvidence,
  TwilioErrorFacts,
} from '../../src/probers/phone/evidence.ts';

// ---------------------------------------------------------------------------------------------
// Builders

const NUMBER = '+77012345678';
const T0 = Date.UTC(2026, 10, 10, 5, 0); // Tue 2026-11-10 10:00 in Asia/Almaty

type AnyPhoneEvidence = CallEvidence | LookupEvidence | ManualEvidence;

/** Evidence is stored as JSON; the interfaces have no index signature, so widen explicitly. */
const asEvidence = (e: AnyPhoneEvidence | Record<string, unknown>): Evidence => e as unknown as Evidence;
const classify = (e: AnyPhoneEvidence | Record<string, unknown>): Classification => classifyPhone(asEvidence(e));

function callEvidence(over: Partial<CallEvidence> = {}): CallEvidence {
  return { method: 'call', v: 1, number: NUMBER, at: T0, callSid: 'CA00000000000000000000000000000001', events: [], gathers: [], ...over };
}

/** calls.create threw: no call exists. */
const createFailed = (createError: TwilioErrorFacts): CallEvidence => {
  const { callSid: _drop, ...rest } = callEvidence({ createError });
  return rest;
};

const ev = (kind: string, at: number, extra: Partial<CallEventFacts> = {}): CallEventFacts => ({ kind, at, ...extra });

/** A call that reached a terminal status through the status callback. */
function ended(final: Omit<CallFinal, 'source'> & { source?: CallFinal['source'] }, over: Partial<CallEvidence> = {}): CallEvidence {
  return callEvidence({
    events: [
      ev('initiated', T0 + 1_000, { status: 'initiated', seq: 0 }),
      ev('ringing', T0 + 2_000, { status: 'ringing', seq: 1 }),
      ev(final.status, T0 + 30_000, {
        status: final.status,
        seq: 2,
        ...(final.sip !== undefined ? { sip: final.sip } : {}),
        ...(final.errorCode !== undefined ? { errorCode: final.errorCode } : {}),
      }),
    ],
    final: { source: 'callback', ...final },
    ...over,
  });
}

/** An answered (completed) call with the given AMD verdict and menu input. */
function answered(opts: { answeredBy?: string; gathers?: GatherFacts[]; durationSec?: number; recording?: CallEvidence['recording'] } = {}): CallEvidence {
  const final: CallFinal = { status: 'completed', source: 'callback', durationSec: opts.durationSec ?? 25 };
  if (opts.answeredBy !== undefined) final.answeredBy = opts.answeredBy;
  const e = callEvidence({
    events: [
      ev('initiated', T0 + 1_000, { status: 'initiated', seq: 0 }),
      ev('ringing', T0 + 2_000, { status: 'ringing', seq: 1 }),
      ev('answered', T0 + 8_000, { status: 'in-progress', seq: 2 }),
      ...(opts.answeredBy ? [ev('amd', T0 + 11_000, { answeredBy: opts.answeredBy })] : []),
      ...(opts.gathers ?? []).map((_, i) => ev('gather', T0 + 15_000 + i * 5_000)),
      ev('completed', T0 + 40_000, { status: 'completed', seq: 3, durationSec: final.durationSec }),
    ],
    gathers: opts.gathers ?? [],
    final,
  });
  if (opts.recording) e.recording = opts.recording;
  return e;
}

const digits = (d: string, step = 1): GatherFacts => ({ step, digits: d });
const speech = (s: string, step = 1, confidence = 0.82): GatherFacts => ({ step, speech: s, confidence });

function lookup(over: Partial<LookupEvidence> = {}): LookupEvidence {
  return { method: 'lookup', v: 1, number: NUMBER, at: T0, ...over };
}

const validResult = (extra: Partial<NonNullable<LookupEvidence['result']>> = {}): NonNullable<LookupEvidence['result']> => ({
  valid: true,
  validationErrors: [],
  countryCode: 'KZ',
  callingCountryCode: '7',
  nationalFormat: '8 (701) 234 5678',
  ...extra,
});

function manual(outcome: ManualEvidence['outcome'], over: Partial<ManualEvidence> = {}): ManualEvidence {
  return {
    method: 'manual',
    v: 1,
    value: '114',
    at: T0,
    outcome,
    note: 'Dialled from a landline in Almaty; the duty officer answered.',
    recordedBy: 'a.serikova',
    calledFrom: '+77272000000',
    ...over,
  };
}

/** Every evidence object built below, for the purity checks at the end. */
const ALL: { name: string; evidence: AnyPhoneEvidence | Record<string, unknown> }[] = [];
function remember<T extends AnyPhoneEvidence | Record<string, unknown>>(name: string, evidence: T): T {
  ALL.push({ name, evidence });
  return evidence;
}

/** Asserts outcome + reason, the fixed shape, and that a call result confirms (no `confirming` key). */
function expectVerdict(r: Classification, outcome: Outcome, reason: string): void {
  expect({ outcome: r.outcome, reason: r.reason }).toEqual({ outcome, reason });
  expect(r.flags).toEqual([]);
  expect(typeof r.detail).toBe('string');
  expect(r.detail.length).toBeGreaterThan(10);
}

// ---------------------------------------------------------------------------------------------
// §1 rows 1–7: calls.create() threw

describe('calls.create() failed (rows 1–7)', () => {
  it.each<[string, TwilioErrorFacts, Outcome, string]>([
    // Row 1: our account.
    ['401 / 20003 bad credentials', { status: 401, code: 20003, message: 'Authenticate' }, 'error', 'twilio_auth'],
    ['401 without a code', { status: 401, message: 'Unauthorized' }, 'error', 'twilio_auth'],
    ['403 without a code', { status: 403, message: 'Forbidden' }, 'error', 'twilio_auth'],
    ['20005 account not active', { status: 403, code: 20005, message: 'Account not active' }, 'error', 'twilio_auth'],
    ['10001 account not active (code only, HTTP 400)', { status: 400, code: 10001, message: 'Account is not active' }, 'error', 'twilio_auth'],
    ['70051 authorization failed', { status: 401, code: 70051, message: 'Authorization failed' }, 'error', 'twilio_auth'],
    // Row 2: quota.
    ['429 / 20429 too many requests', { status: 429, code: 20429, message: 'Too Many Requests' }, 'error', 'twilio_rate_limited'],
    ['429 without a code', { status: 429, message: 'Too Many Requests' }, 'error', 'twilio_rate_limited'],
    ['10004 concurrency limit (HTTP 400)', { status: 400, code: 10004, message: 'Call concurrency limit exceeded' }, 'error', 'twilio_rate_limited'],
    // Row 3: our caller ID.
    ['21210 From not verified', { status: 400, code: 21210, message: "The source phone number provided, +15005550001, is not yet verified for your account." }, 'error', 'caller_id_config'],
    ['21212 invalid From', { status: 400, code: 21212, message: "The 'From' number is not a valid phone number" }, 'error', 'caller_id_config'],
    // Row 4: geo permissions / block list.
    ['21215 geo permissions', { status: 400, code: 21215, message: 'Account not authorized to call +77012345678' }, 'error', 'twilio_permissions'],
    ['13227 geo permissions', { status: 400, code: 13227, message: 'Geo Permission configuration is not permitting call' }, 'error', 'twilio_permissions'],
    ['32205 geo permissions', { status: 400, code: 32205, message: 'Geo permission' }, 'error', 'twilio_permissions'],
    ['21216 Twilio block list', { status: 400, code: 21216, message: 'Call blocked by Twilio blocklist' }, 'error', 'twilio_permissions'],
    ['13225 Twilio block list', { status: 400, code: 13225, message: 'Call blocked by Twilio block list' }, 'error', 'twilio_permissions'],
    ['21219 To not verified (trial account)', { status: 400, code: 21219, message: "'To' phone number not verified" }, 'error', 'twilio_permissions'],
    // Row 5: the number as dialled cannot exist.
    ['21211 invalid To', { status: 400, code: 21211, message: "Invalid 'To' Phone Number" }, 'unavailable', 'invalid_number'],
    ['21217 not a valid number', { status: 400, code: 21217, message: 'Phone number does not appear to be valid' }, 'unavailable', 'invalid_number'],
    ['13223 invalid E.164 format', { status: 400, code: 13223, message: 'Invalid phone number format' }, 'unavailable', 'invalid_number'],
    ['13226 invalid country code', { status: 400, code: 13226, message: 'Invalid country code' }, 'unavailable', 'invalid_number'],
    // Row 6.
    ['21214 To cannot be reached', { status: 400, code: 21214, message: "'To' phone number cannot be reached" }, 'unavailable', 'cannot_route'],
    // Row 7: provider outage.
    ['HTTP 500', { status: 500, code: 20500, message: 'Internal Server Error' }, 'error', 'provider_unavailable'],
    ['HTTP 502 without a code', { status: 502, message: 'Bad Gateway' }, 'error', 'provider_unavailable'],
    ['HTTP 503', { status: 503, message: 'Service Unavailable' }, 'error', 'provider_unavailable'],
    ['network error (no HTTP status)', { message: 'connect ECONNRESET 54.172.60.0:443' }, 'error', 'provider_unavailable'],
    ['timeout (no HTTP status)', { message: 'timeout of 30000ms exceeded' }, 'error', 'provider_unavailable'],
    // Anything else from the REST API: our problem until understood, never the center's.
    ['unknown 4xx code', { status: 400, code: 21601, message: 'Something new' }, 'error', 'twilio_error'],
    ['404 / 20404', { status: 404, code: 20404, message: 'The requested resource was not found' }, 'error', 'twilio_error'],
  ])('%s → %s/%s', (_name, err, outcome, reason) => {
    const r = classify(remember(`create ${_name}`, createFailed(err)));
    expectVerdict(r, outcome, reason);
    expect(r).not.toHaveProperty('confirming');
  });

  it('the first matching row wins: an auth or quota status beats a number code', () => {
    expectVerdict(classify(createFailed({ status: 401, code: 21211, message: 'x' })), 'error', 'twilio_auth');
    expectVerdict(classify(createFailed({ status: 429, code: 21211, message: 'x' })), 'error', 'twilio_rate_limited');
    expectVerdict(classify(createFailed({ status: 400, code: 20003, message: 'x' })), 'error', 'twilio_auth');
  });

  it('the detail names the number, the HTTP status and the code', () => {
    const r = classify(createFailed({ status: 400, code: 21211, message: "Invalid 'To' Phone Number" }));
    expect(r.detail).toContain(NUMBER);
    expect(r.detail).toContain('HTTP 400');
    expect(r.detail).toContain('code 21211');
    expect(r.detail).toContain("Invalid 'To' Phone Number");
  });

  it('a createError wins over anything else in the evidence', () => {
    const e = remember('createError + final', { ...ended({ status: 'completed', answeredBy: 'human' }), createError: { status: 401, code: 20003, message: 'Authenticate' } });
    expectVerdict(classify(e), 'error', 'twilio_auth');
  });
});

// ---------------------------------------------------------------------------------------------
// No final status, canceled, busy, no-answer (rows 8–10, 30)

describe('calls without an answer', () => {
  it('no final status → error no_final_status, with the reason we gave up', () => {
    const e = remember(
      'no final',
      callEvidence({
        events: [ev('initiated', T0 + 1_000, { status: 'initiated', seq: 0 }), ev('ringing', T0 + 2_000, { status: 'ringing', seq: 1 })],
        gaveUp: 'no status callback within 15 min and GET /Calls/CA… failed: HTTP 503',
      }),
    );
    const r = classify(e);
    expectVerdict(r, 'error', 'no_final_status');
    expect(r.detail).toContain('GET /Calls/CA… failed: HTTP 503');
    expect(r).not.toHaveProperty('confirming');
  });

  it('no final status and no gaveUp note → still error no_final_status', () => {
    const r = classify(remember('no final, no note', callEvidence()));
    expectVerdict(r, 'error', 'no_final_status');
    expect(r.detail).toContain('unknown reason');
  });

  it.each<[string, Omit<CallFinal, 'source'>, Outcome, string]>([
    // Row 8.
    ['canceled', { status: 'canceled' }, 'error', 'call_canceled'],
    ['canceled with SIP 487', { status: 'canceled', sip: 487 }, 'error', 'call_canceled'],
    // Row 9.
    ['busy / SIP 486', { status: 'busy', sip: 486 }, 'busy', 'busy'],
    ['busy / SIP 600', { status: 'busy', sip: 600 }, 'busy', 'busy'],
    ['busy / 34002 Callee Busy, no SIP', { status: 'busy', errorCode: 34002 }, 'busy', 'busy'],
    ['busy without a SIP code', { status: 'busy' }, 'busy', 'busy'],
    ['busy / SIP 603 Decline', { status: 'busy', sip: 603 }, 'busy', 'rejected'],
    // Row 10.
    ['no-answer / SIP 487', { status: 'no-answer', sip: 487, durationSec: 0 }, 'no_answer', 'no_answer'],
    ['no-answer / SIP 408', { status: 'no-answer', sip: 408 }, 'no_answer', 'no_answer'],
    ['no-answer / SIP 480', { status: 'no-answer', sip: 480 }, 'no_answer', 'no_answer'],
    ['no-answer without a SIP code', { status: 'no-answer' }, 'no_answer', 'no_answer'],
  ])('%s → %s/%s', (name, final, outcome, reason) => {
    const r = classify(remember(name, ended(final)));
    expectVerdict(r, outcome, reason);
    expect(r).not.toHaveProperty('confirming');
  });

  it('busy and no-answer details carry the SIP code', () => {
    expect(classify(ended({ status: 'busy', sip: 486 })).detail).toContain('SIP 486');
    expect(classify(ended({ status: 'busy', sip: 603 })).detail).toContain('SIP 603');
    expect(classify(ended({ status: 'no-answer', sip: 487 })).detail).toContain('SIP 487');
  });

  it('a final status obtained by REST fetch (row 30) is classified like a callback', () => {
    const e = remember('fetched busy', ended({ status: 'busy', sip: 486, source: 'fetch' }));
    expectVerdict(classify(e), 'busy', 'busy');
  });
});

// ---------------------------------------------------------------------------------------------
// Terminal `failed` (rows 4, 11–16)

describe('failed calls (rows 11–16)', () => {
  it.each<[string, number | undefined, number | undefined, Outcome, string]>([
    // [name, sip, errorCode, outcome, reason]
    // Row 4 (permissions) comes before the SIP rows.
    ['13227 geo permissions', undefined, 13227, 'error', 'twilio_permissions'],
    ['13227 even with SIP 404', 404, 13227, 'error', 'twilio_permissions'],
    ['21215 geo permissions', undefined, 21215, 'error', 'twilio_permissions'],
    ['13225 Twilio block list', 403, 13225, 'error', 'twilio_permissions'],
    ['20003 auth code on the call', undefined, 20003, 'error', 'twilio_permissions'],
    // Row 11.
    ['SIP 404', 404, undefined, 'unavailable', 'not_in_service'],
    ['SIP 604', 604, undefined, 'unavailable', 'not_in_service'],
    ['SIP 484', 484, undefined, 'unavailable', 'not_in_service'],
    ['error 13224, no SIP', undefined, 13224, 'unavailable', 'not_in_service'],
    ['error 13224 beats SIP 503 (row 11 before 16)', 503, 13224, 'unavailable', 'not_in_service'],
    ['SIP 404 beats error 32011 (row 11 before 16)', 404, 32011, 'unavailable', 'not_in_service'],
    // Row 12.
    ['SIP 410', 410, undefined, 'unavailable', 'number_changed'],
    // Row 13.
    ['SIP 480', 480, undefined, 'unavailable', 'switched_off'],
    // Row 14.
    ['SIP 408', 408, undefined, 'no_answer', 'no_answer'],
    // Row 15.
    ['SIP 403', 403, undefined, 'error', 'route_blocked'],
    ['SIP 401', 401, undefined, 'error', 'route_blocked'],
    ['SIP 407', 407, undefined, 'error', 'route_blocked'],
    // Row 16.
    ['SIP 500', 500, undefined, 'error', 'carrier_error'],
    ['SIP 502', 502, undefined, 'error', 'carrier_error'],
    ['SIP 503', 503, undefined, 'error', 'carrier_error'],
    ['SIP 504', 504, undefined, 'error', 'carrier_error'],
    ['error 32011, no SIP', undefined, 32011, 'error', 'carrier_error'],
    ['error 32009, no SIP', undefined, 32009, 'error', 'carrier_error'],
    // Any other SIP answer: the number's problem.
    ['SIP 400', 400, undefined, 'unavailable', 'call_failed'],
  ])('failed, %s → %s/%s', (name, sip, errorCode, outcome, reason) => {
    const final: Omit<CallFinal, 'source'> = { status: 'failed' };
    if (sip !== undefined) final.sip = sip;
    if (errorCode !== undefined) final.errorCode = errorCode;
    const r = classify(remember(`failed ${name}`, ended(final)));
    expectVerdict(r, outcome, reason);
    expect(r).not.toHaveProperty('confirming');
  });

  it.each([
    ['no SIP, no error code', undefined],
    ['error 31000 (not a 32xxx code), no SIP', 31000],
    ['error 15003 (our status callback failed), no SIP', 15003],
  ])('failed, %s: nothing says whose fault → inconclusive, and it neither confirms nor breaks a status', (name, errorCode) => {
    const final: Omit<CallFinal, 'source'> = { status: 'failed' };
    if (errorCode !== undefined) final.errorCode = errorCode;
    const r = classify(remember(`failed ${name}`, ended(final)));
    expectVerdict(r, 'inconclusive', 'failure_unexplained');
    expect(r.confirming).toBe(false);
  });

  it('failed details carry the SIP code and the error code', () => {
    expect(classify(ended({ status: 'failed', sip: 404 })).detail).toContain('SIP 404');
    expect(classify(ended({ status: 'failed', errorCode: 13224 })).detail).toContain('13224');
    expect(classify(ended({ status: 'failed', sip: 503, errorCode: 32011 })).detail).toMatch(/SIP 503.*32011/);
    expect(classify(ended({ status: 'failed', errorCode: 13227 })).detail).toContain('13227');
  });
});

// ---------------------------------------------------------------------------------------------
// The final callback never came (row 30): the end was fetched, and the codes it carried are read from
// what Twilio kept, stored beside it (call-ledger.ts buildCallEvidence: `twilio-event`, `notification`).

describe('a final status fetched after the callback was lost', () => {
  /** As the ledger stores it: the fetch (no SIP code: the Call resource has none) plus what Twilio kept. */
  function fetched(status: CallFinal['status'], kept: CallEventFacts[]): CallEvidence {
    return callEvidence({
      events: [ev('initiated', T0 + 1_000, { status: 'initiated', seq: 0 }), ...kept, ev('fetch', T0 + 40_000, { status })],
      final: { status, source: 'fetch' },
    });
  }
  const event = (status: string, sip?: number, errorCode?: number): CallEventFacts =>
    ev('twilio-event', T0 + 40_000, { status, ...(sip !== undefined ? { sip } : {}), ...(errorCode !== undefined ? { errorCode } : {}) });

  it.each([
    [404, 'unavailable', 'not_in_service'],
    [480, 'unavailable', 'switched_off'],
    [503, 'error', 'carrier_error'],
    [603, 'busy', 'rejected'],
  ] as const)('SIP %i from the undelivered callback in the events log: the same class as with the callback', (sip, outcome, reason) => {
    const withCallback = classify(ended({ status: 'failed', sip }));
    const r = classify(remember(`fetched failed, events SIP ${sip}`, fetched('failed', [event('initiated'), event('failed', sip)])));
    expectVerdict(r, outcome, reason);
    expect({ outcome: r.outcome, reason: r.reason }).toEqual({ outcome: withCallback.outcome, reason: withCallback.reason });
    expect(r.detail).toContain(`SIP ${sip}, from Twilio's record of the call: its events log`);
  });

  it('nothing recovered (Twilio shows a call\'s events only minutes after it): inconclusive, not unavailable', () => {
    const r = classify(remember('fetched failed, nothing kept', fetched('failed', [])));
    expectVerdict(r, 'inconclusive', 'failure_unexplained');
    expect(r.confirming).toBe(false);
  });

  it('an error code from the notifications, errors before warnings', () => {
    const notes = [ev('notification', T0, { errorCode: 15003, level: 'warning' }), ev('notification', T0, { errorCode: 13224, level: 'error' })];
    expectVerdict(classify(fetched('failed', notes)), 'unavailable', 'not_in_service');
    // A warning about our own status callback alone explains nothing.
    expectVerdict(classify(fetched('failed', notes.slice(0, 1))), 'inconclusive', 'failure_unexplained');
  });

  it('only the event of the same final status counts, and the stored callback wins when there is one', () => {
    expectVerdict(classify(fetched('failed', [event('busy', 486)])), 'inconclusive', 'failure_unexplained');
    const e = ended({ status: 'failed', sip: 480 });
    e.events.push(event('failed', 404));
    expectVerdict(classify(e), 'unavailable', 'switched_off');
  });

  it('an answered call whose menu webhook failed: 11200 from the notifications', () => {
    const e = fetched('completed', [ev('notification', T0, { errorCode: 11200, level: 'error' })]);
    expectVerdict(classify(e), 'error', 'webhook_failed');
  });
});

// ---------------------------------------------------------------------------------------------
// Answered calls: the confirmation menu (rows 17–21, 23–25)

describe('answered calls: keys pressed (rows 17–20)', () => {
  it.each<[string, Outcome, string]>([
    ['1', 'reachable', 'confirmed'],
    ['2', 'wrong_number', 'not_the_center'],
    ['3', 'closed', 'center_closed'],
    ['4', 'redirected', 'center_moved'],
    ['9', 'inconclusive', 'opted_out'],
  ])('a human pressed %s → %s/%s', (key, outcome, reason) => {
    const r = classify(remember(`pressed ${key}`, answered({ answeredBy: 'human', gathers: [digits(key)] })));
    expectVerdict(r, outcome, reason);
    expect(r.detail).toContain(`pressed ${key}`);
    expect(r).not.toHaveProperty('confirming');
  });

  it('the menu keys are the documented ones', () => {
    expect(MENU_KEYS).toEqual({ confirmed: '1', wrongNumber: '2', closed: '3', moved: '4', optOut: '9' });
  });

  it('only the first key of a multi-digit entry counts', () => {
    expectVerdict(classify(remember('pressed 12', answered({ answeredBy: 'human', gathers: [digits('12')] }))), 'reachable', 'confirmed');
    expectVerdict(classify(answered({ answeredBy: 'human', gathers: [digits('31')] })), 'closed', 'center_closed');
  });

  it('digits win over AnsweredBy=machine_*: someone pressed 1 after the greeting', () => {
    for (const amd of ['machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax']) {
      const r = classify(remember(`machine ${amd} then 1`, answered({ answeredBy: amd, gathers: [digits('1')] })));
      expectVerdict(r, 'reachable', 'confirmed');
    }
  });

  it('digits win over speech in the same gather', () => {
    const r = classify(answered({ answeredBy: 'human', gathers: [{ step: 1, digits: '2', speech: 'да, это центр' }] }));
    expectVerdict(r, 'wrong_number', 'not_the_center');
  });

  it('an unrecognised utterance at step 1 does not hide a key pressed at step 2', () => {
    const r = classify(remember('алло then 3', answered({ answeredBy: 'human', gathers: [speech('алло'), digits('3', 2)] })));
    expectVerdict(r, 'closed', 'center_closed');
  });

  it('the first recognised answer wins over later ones', () => {
    const r = classify(answered({ answeredBy: 'human', gathers: [speech('центр закрыт'), digits('1', 2)] }));
    expectVerdict(r, 'closed', 'center_closed');
  });

  it('an empty Digits value is no answer', () => {
    const r = classify(answered({ answeredBy: 'human', gathers: [{ step: 1, digits: '' }] }));
    expectVerdict(r, 'inconclusive', 'answered_silent');
  });

  it('a key outside the menu counts as no answer (human → inconclusive, machine → voicemail)', () => {
    expectVerdict(classify(remember('pressed 5', answered({ answeredBy: 'human', gathers: [digits('5')] }))), 'inconclusive', 'answered_silent');
    expectVerdict(classify(answered({ answeredBy: 'machine_start', gathers: [digits('#')] })), 'voicemail', 'voicemail');
  });

  it('redirected keeps a pointer to the recorded message', () => {
    const r = classify(
      remember(
        'moved with recording',
        answered({ answeredBy: 'human', gathers: [digits('4')], recording: { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1', durationSec: 12 } }),
      ),
    );
    expectVerdict(r, 'redirected', 'center_moved');
    expect(r.detail).toContain('recorded message, 12 s');
  });
});

describe('speechToKey: Russian and Kazakh answers mapped onto the menu keys', () => {
  it.each<[string, string | null]>([
    // Confirmed (key 1).
    ['да', '1'],
    ['Да', '1'],
    ['да, слушаю', '1'],
    ['верно', '1'],
    ['иә', '1'],
    ['Да, это центр', '1'],
    ['центр слушает', '1'],
    // Wrong number (key 2).
    ['нет, это не центр', '2'],
    ['вы ошиблись номером', '2'],
    ['это частный номер', '2'],
    ['вы не туда попали', '2'],
    ['қате нөмір', '2'],
    // Closed (key 3).
    ['центр закрыт', '3'],
    ['ЦЕНТР ЗАКРЫТ', '3'],
    ['центр больше не работает', '3'],
    ['организацию ликвидировали', '3'],
    ['орталық жабылды', '3'],
    ['орталық жұмыс істемейді', '3'],
    // Moved (key 4).
    ['мы переехали', '4'],
    ['у нас новый номер', '4'],
    ['звоните по другому номеру', '4'],
    ['орталық көшті', '4'],
    // Opt out (key 9) — must win over everything else said in the same breath.
    ['больше не звоните', '9'],
    ['удалите номер из базы', '9'],
    ['маған қоңырау шалмаңыз', '9'],
    ['центр закрыт, больше не звоните сюда', '9'],
    // Call back later.
    ['перезвоните позже', 'callback'],
    ['позвоните позже, пожалуйста', 'callback'],
    ['қайта қоңырау шалыңыз', 'callback'],
    // Leading/trailing whitespace from the recogniser.
    ['  мы переехали  ', '4'],
    // Nothing recognisable, and operator intercepts (they are handled by the classifier, not as menu answers).
    ['алло', null],
    ['', null],
    ['абонент недоступен', null],
    ['номер набран неверно', null],
    ['аппарат абонента выключен или находится вне зоны действия сети', null],
  ])('%j → %j', (said, key) => {
    expect(speechToKey(said)).toBe(key);
  });
});

describe('answered calls: speech (rows 17–20)', () => {
  it.each<[string, Outcome, string]>([
    ['да', 'reachable', 'confirmed'],
    ['Да, это центр', 'reachable', 'confirmed'],
    ['иә', 'reachable', 'confirmed'],
    ['нет, это не центр', 'wrong_number', 'not_the_center'],
    ['центр закрыт', 'closed', 'center_closed'],
    ['жабылды', 'closed', 'center_closed'],
    ['мы переехали', 'redirected', 'center_moved'],
    ['больше не звоните', 'inconclusive', 'opted_out'],
    ['перезвоните позже', 'callback_requested', 'callback_requested'],
    ['қайта қоңырау шалыңыз', 'callback_requested', 'callback_requested'],
  ])('%j → %s/%s', (said, outcome, reason) => {
    const r = classify(remember(`said ${said}`, answered({ answeredBy: 'human', gathers: [speech(said)] })));
    expectVerdict(r, outcome, reason);
    expect(r.detail).toContain(`said "${said}"`);
  });

  it('a spoken answer also wins over AnsweredBy=machine_start', () => {
    expectVerdict(classify(answered({ answeredBy: 'machine_start', gathers: [speech('центр закрыт')] })), 'closed', 'center_closed');
  });
});

describe('answered calls: operator intercepts (row 21)', () => {
  it.each<[string, string | undefined]>([
    ['Аппарат абонента выключен или находится вне зоны действия сети', 'machine_start'],
    ['Номер набран неверно', 'human'],
    ['Такого номера не существует', 'unknown'],
    ['Номер не обслуживается', undefined],
    ['Абонент недоступен', 'machine_end_other'],
    ['Абонент қол жетімсіз', 'machine_start'],
    ['Нөмір дұрыс терілмеді', 'machine_start'],
  ])('%j (AnsweredBy %s) → unavailable/intercept_announcement', (said, amd) => {
    const opts: Parameters<typeof answered>[0] = { gathers: [speech(said)] };
    if (amd !== undefined) opts.answeredBy = amd;
    const r = classify(remember(`intercept ${said}`, answered(opts)));
    expectVerdict(r, 'unavailable', 'intercept_announcement');
    expect(r.detail).toContain(said);
    expect(r).not.toHaveProperty('confirming');
  });

  it('an intercept phrase split across gathers is still recognised', () => {
    const r = classify(answered({ answeredBy: 'machine_start', gathers: [speech('Извините,'), speech('абонент недоступен', 2)] }));
    expectVerdict(r, 'unavailable', 'intercept_announcement');
  });

  it('a menu answer wins over an intercept-like phrase (someone actually pressed 1)', () => {
    const r = classify(remember('intercept then 1', answered({ answeredBy: 'human', gathers: [speech('абонент недоступен'), digits('1', 2)] })));
    expectVerdict(r, 'reachable', 'confirmed');
  });
});

describe('answered calls without a menu answer (rows 23–25)', () => {
  it.each<[string | undefined, Outcome, string]>([
    ['machine_start', 'voicemail', 'voicemail'],
    ['machine_end_beep', 'voicemail', 'voicemail'],
    ['machine_end_silence', 'voicemail', 'voicemail'],
    ['machine_end_other', 'voicemail', 'voicemail'],
    ['fax', 'wrong_number', 'fax'],
    ['human', 'inconclusive', 'answered_silent'],
    ['unknown', 'inconclusive', 'answered_silent'],
    [undefined, 'inconclusive', 'answered_silent'],
  ])('AnsweredBy %s, no input → %s/%s', (amd, outcome, reason) => {
    const opts: Parameters<typeof answered>[0] = { durationSec: 4 };
    if (amd !== undefined) opts.answeredBy = amd;
    const r = classify(remember(`silent ${amd ?? 'no-amd'}`, answered(opts)));
    expectVerdict(r, outcome, reason);
    expect(r).not.toHaveProperty('confirming');
    if (amd?.startsWith('machine')) expect(r.detail).toContain(amd);
  });

  it('an unrecognised greeting on a machine is still voicemail', () => {
    const r = classify(remember('machine greeting', answered({ answeredBy: 'machine_start', gathers: [speech('Здравствуйте, оставьте сообщение после сигнала')] })));
    expectVerdict(r, 'voicemail', 'voicemail');
  });

  it('the answered_silent detail says who answered and for how long', () => {
    const r = classify(answered({ answeredBy: 'human', durationSec: 4 }));
    expect(r.detail).toContain('(human)');
    expect(r.detail).toContain('in 4 s');
  });

  it('AnsweredBy from the async AMD event counts when the final status has none', () => {
    const e = answered({ durationSec: 20 });
    e.events.splice(3, 0, ev('amd', T0 + 11_000, { answeredBy: 'machine_end_beep' }));
    remember('amd only in events', e);
    expect(e.final?.answeredBy).toBeUndefined();
    expectVerdict(classify(e), 'voicemail', 'voicemail');
  });

  it('AnsweredBy=fax from the AMD event → wrong_number/fax', () => {
    const e = answered({});
    e.events.push(ev('amd', T0 + 11_000, { answeredBy: 'fax' }));
    expectVerdict(classify(e), 'wrong_number', 'fax');
  });
});

// ---------------------------------------------------------------------------------------------
// Lookups (rows 22, 29): informational unless they prove the number invalid

describe('lookups', () => {
  it('valid → inconclusive/valid_number, confirming false', () => {
    const r = classify(remember('lookup valid', lookup({ result: validResult({ lineType: 'mobile', carrierName: 'Kcell' }) })));
    expectVerdict(r, 'inconclusive', 'valid_number');
    expect(r.confirming).toBe(false);
    expect(r.detail).toContain(NUMBER);
    expect(r.detail).toContain('mobile (Kcell)');
  });

  it('valid with line-type data unavailable (60607 inside the result) → still valid_number, confirming false', () => {
    const r = classify(remember('lookup valid 60607 lti', lookup({ result: validResult({ lineType: null, carrierName: null, lineTypeErrorCode: 60607 }) })));
    expectVerdict(r, 'inconclusive', 'valid_number');
    expect(r.confirming).toBe(false);
  });

  it.each<[string[], string]>([
    [['TOO_SHORT'], 'TOO_SHORT'],
    [['INVALID_BUT_POSSIBLE', 'INVALID_LENGTH'], 'INVALID_BUT_POSSIBLE, INVALID_LENGTH'],
    [[], 'no reason given'],
  ])('invalid %j → unavailable/invalid_number and it confirms', (errors, text) => {
    const r = classify(remember(`lookup invalid ${errors.join()}`, lookup({ result: { ...validResult(), valid: false, validationErrors: errors } })));
    expectVerdict(r, 'unavailable', 'invalid_number');
    expect(r).not.toHaveProperty('confirming');
    expect(r.confirming).not.toBe(false);
    expect(r.detail).toContain(text);
  });

  it.each<[string, TwilioErrorFacts, Outcome, string]>([
    ['60607 unsupported country', { status: 400, code: 60607, message: 'Lookup Unsupported Country' }, 'inconclusive', 'lookup_no_data'],
    ['401 / 20003', { status: 401, code: 20003, message: 'Authenticate' }, 'error', 'twilio_auth'],
    ['403 without a code', { status: 403, message: 'Forbidden' }, 'error', 'twilio_auth'],
    ['429 / 20429', { status: 429, code: 20429, message: 'Too Many Requests' }, 'error', 'twilio_rate_limited'],
    ['HTTP 503', { status: 503, message: 'Service Unavailable' }, 'error', 'provider_unavailable'],
    ['network error', { message: 'getaddrinfo ENOTFOUND lookups.twilio.com' }, 'error', 'provider_unavailable'],
    ['unknown 400', { status: 400, code: 60600, message: 'Unprovisioned or Out of Coverage' }, 'error', 'twilio_error'],
  ])('error %s → %s/%s, confirming false', (name, error, outcome, reason) => {
    const r = classify(remember(`lookup error ${name}`, lookup({ error })));
    expectVerdict(r, outcome, reason);
    expect(r.confirming).toBe(false);
  });

  it('HTTP 404 from Lookup → unavailable/invalid_number, and it confirms', () => {
    const r = classify(remember('lookup 404', lookup({ error: { status: 404, code: 20404, message: 'Not Found' } })));
    expectVerdict(r, 'unavailable', 'invalid_number');
    expect(r).not.toHaveProperty('confirming');
  });

  it('an error wins over a result in the same evidence', () => {
    const r = classify(lookup({ result: validResult(), error: { status: 401, code: 20003, message: 'Authenticate' } }));
    expectVerdict(r, 'error', 'twilio_auth');
    expect(r.confirming).toBe(false);
  });

  it('neither a result nor an error → error/malformed_evidence, confirming false', () => {
    const r = classify(remember('lookup empty', lookup()));
    expectVerdict(r, 'error', 'malformed_evidence');
    expect(r.confirming).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Manual calls (the 114 short number)

describe('manual evidence', () => {
  it('→ its own outcome, reason manual, detail names who recorded it and the note', () => {
    const r = classify(remember('manual reachable', manual('reachable')));
    expectVerdict(r, 'reachable', 'manual');
    expect(r.detail).toContain('a.serikova');
    expect(r.detail).toContain('the duty officer answered');
    expect(r).not.toHaveProperty('confirming');
  });

  it.each(OUTCOMES.filter((o): o is Exclude<Outcome, 'error'> => o !== 'error'))('outcome %s is passed through', (outcome) => {
    const r = classify(remember(`manual ${outcome}`, manual(outcome, { recordedBy: 'b.nurlanov' })));
    expectVerdict(r, outcome, 'manual');
    expect(r.detail).toContain('b.nurlanov');
  });

  it('an empty note still produces a readable detail', () => {
    const r = classify(manual('no_answer', { note: '' }));
    expectVerdict(r, 'no_answer', 'manual');
    expect(r.detail).toContain('no note');
    expect(r.detail).toContain('a.serikova');
  });

  it('a record of several calls stands for each of them, and its detail says when they were made', () => {
    const first = T0 - 86_400_000;
    const r = classify(remember('manual 3 calls', manual('no_answer', { attempts: { count: 3, first, last: T0 } })));
    expectVerdict(r, 'no_answer', 'manual');
    expect(r.attempts).toBe(3);
    expect(r.detail).toContain(`3 calls from ${new Date(first).toISOString()} to ${new Date(T0).toISOString()}`);
  });

  it('a record of one call stated as attempts is the same as one without', () => {
    expect(classify(manual('busy', { attempts: { count: 1, first: T0, last: T0 } }))).toEqual(classify(manual('busy')));
  });

  it.each<[string, { count: number; first: number; last: number }]>([
    ['no calls', { count: 0, first: T0, last: T0 }],
    ['a fraction of a call', { count: 1.5, first: T0 - 1000, last: T0 }],
    ['a first call after the last', { count: 2, first: T0 + 1000, last: T0 }],
    ['one call at two times', { count: 1, first: T0 - 1000, last: T0 }],
    ['two calls at one instant', { count: 2, first: T0, last: T0 }],
    ['a last call that is not the record\'s time', { count: 2, first: T0 - 2000, last: T0 - 1000 }],
  ])('stored attempts that do not add up (%s) are malformed, never counted', (name, attempts) => {
    const r = classify(remember(`manual malformed ${name}`, manual('unavailable', { attempts })));
    expect(r).toMatchObject({ outcome: 'error', reason: 'malformed_evidence' });
    expect(r).not.toHaveProperty('attempts');
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed evidence

describe('malformed evidence → error/malformed_evidence', () => {
  it.each<[string, Record<string, unknown>]>([
    ['unknown method', { method: 'sms', v: 1, number: NUMBER }],
    ['call without events', { method: 'call', v: 1, number: NUMBER, at: T0, gathers: [] }],
    ['call with events not an array', { method: 'call', v: 1, number: NUMBER, at: T0, events: {}, gathers: [] }],
    ['call of a future schema version', { method: 'call', v: 2, number: NUMBER, at: T0, events: [], gathers: [] }],
    ['call with v as a string', { method: 'call', v: '1', number: NUMBER, at: T0, events: [], gathers: [] }],
    ['lookup of a future schema version', { method: 'lookup', v: 2, number: NUMBER, at: T0, result: validResult() }],
    ['manual without an outcome', { method: 'manual', v: 1, value: '114', at: T0, note: '', recordedBy: 'x' }],
    ['manual with a numeric outcome', { method: 'manual', v: 1, value: '114', at: T0, outcome: 3, note: '', recordedBy: 'x' }],
    ['manual with attempts as a number', { method: 'manual', v: 1, value: '114', at: T0, outcome: 'busy', note: '', recordedBy: 'x', attempts: 3 }],
    ['manual with attempts as text times', { method: 'manual', v: 1, value: '114', at: T0, outcome: 'busy', note: '', recordedBy: 'x', attempts: { count: 2, first: 'monday', last: T0 } }],
    ['no method at all', { v: 1 }],
  ])('%s', (name, e) => {
    const r = classify(remember(`malformed ${name}`, e));
    expectVerdict(r, 'error', 'malformed_evidence');
  });

  // These describe evidence that passes the shape guards but carries values outside the vocabulary.
  // classifyPhone must still return an `error` classification, never undefined or a foreign outcome.
  it.each(['in-progress', 'ringing', 'queued', 'COMPLETED'])('a call whose final status is %j is malformed', (status) => {
    const e = ended({ status: 'completed', answeredBy: 'human' });
    (e.final as { status: string }).status = status;
    const r = classify(e);
    expect(r).toBeDefined();
    expect(r).toMatchObject({ outcome: 'error', reason: 'malformed_evidence' });
  });

  it('a manual record with an outcome outside the vocabulary is malformed', () => {
    const r = classify({ ...manual('reachable'), outcome: 'answered_by_cat' });
    expect(r).toMatchObject({ outcome: 'error', reason: 'malformed_evidence' });
    expect((OUTCOMES as readonly string[]).includes(r.outcome)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Purity: a pure function of the stored evidence

describe('purity', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the fixtures above cover every table (sanity)', () => {
    expect(ALL.length).toBeGreaterThan(120);
  });

  it('classifying twice, and classifying a JSON round-tripped copy, gives identical results; the evidence is not mutated', () => {
    for (const { name, evidence } of ALL) {
      const before = JSON.stringify(evidence);
      const first = classify(evidence);
      const second = classify(evidence);
      const stored = JSON.parse(JSON.stringify(evidence)) as Record<string, unknown>;
      const fromStore = classify(stored);
      expect(second, name).toEqual(first);
      expect(fromStore, name).toEqual(first);
      expect(JSON.stringify(evidence), name).toBe(before);
      // The result itself survives storage unchanged.
      expect(JSON.parse(JSON.stringify(first)), name).toEqual(first);
    }
  });

  it('explicitly undefined optional fields (dropped by JSON) do not change the result', () => {
    const e = ended({ status: 'failed', errorCode: 13224 });
    const withUndefined = { ...e, final: { ...e.final, sip: undefined, answeredBy: undefined }, recording: undefined, gaveUp: undefined };
    const r1 = classify(withUndefined);
    const r2 = classify(JSON.parse(JSON.stringify(withUndefined)) as Record<string, unknown>);
    expectVerdict(r1, 'unavailable', 'not_in_service');
    expect(r2).toEqual(r1);
  });

  it('the clock does not matter', () => {
    const samples = ALL.filter((_, i) => i % 7 === 0);
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2019-01-01T00:00:00Z'));
    const early = samples.map(({ evidence }) => classify(evidence));
    vi.setSystemTime(new Date('2031-06-15T12:00:00Z'));
    const late = samples.map(({ evidence }) => classify(evidence));
    expect(late).toEqual(early);
  });

  it('two results never share mutable state', () => {
    const a = classify(answered({ answeredBy: 'human', gathers: [digits('1')] }));
    a.flags.push('slow');
    const b = classify(answered({ answeredBy: 'human', gathers: [digits('1')] }));
    expect(b.flags).toEqual([]);
  });
});
