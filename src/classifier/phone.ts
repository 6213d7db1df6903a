// What a phone probe's evidence means, after ../shared/docs/telephony.md §1 (first matching row
// wins). Pure: no clock, no I/O. Our account, permissions, quota and provider outages are `error`:
// they never count against a center.

import type { Classification, Evidence, Outcome } from '../domain.ts';
import {
  isCallEvidence,
  isLookupEvidence,
  isManualEvidence,
  manualAttemptsProblem,
  type CallEvidence,
  type CallFinal,
  type LookupEvidence,
  type ManualEvidence,
  type TwilioErrorFacts,
} from '../probers/phone/evidence.ts';
import { CALLBACK, firstAnswer, MENU_KEYS } from '../probers/phone/menu.ts';
import { matchPhrase } from '../audio/phrases.ts';

/** The reason of a probe in which the person asked never to be called again (the status follows at once). */
export const OPT_OUT_REASON = 'opted_out';

// The menu's keys and how speech maps onto them live with the menu (probers/phone/menu.ts); the
// classifier reads the stored answers with the menu's own `firstAnswer`.

/** The reasons of a person's answer to the menu: what they said counts once (telephony.answer_confirmations). */
export const ANSWER_REASONS = ['confirmed', 'not_the_center', 'center_closed', 'center_moved', 'callback_requested'] as const;

const verdict = (outcome: Outcome, reason: string, detail: string, confirming = true): Classification => ({
  outcome,
  reason,
  detail,
  flags: [],
  ...(confirming ? {} : { confirming: false }),
});

export function classifyPhone(evidence: Evidence): Classification {
  if (isCallEvidence(evidence)) return classifyCall(evidence);
  if (isLookupEvidence(evidence)) return classifyLookup(evidence);
  if (isManualEvidence(evidence)) return classifyManual(evidence);
  return verdict('error', 'malformed_evidence', 'The stored phone evidence does not have the expected shape.');
}

/**
 * What a person who answered said through the call menu (keys or speech), the same for every way of
 * calling (Twilio, SIP). `movedNote` says where what they said about the move can be heard. Null for
 * a key the menu does not know: the call then counts as not answered through the menu.
 */
export function menuAnswerVerdict(answer: NonNullable<ReturnType<typeof firstAnswer>>, movedNote: string): Classification | null {
  switch (answer.key) {
    case MENU_KEYS.confirmed:
      return verdict('reachable', 'confirmed', `Answered; the person ${answer.via}: this is the center.`);
    case MENU_KEYS.wrongNumber:
      return verdict('wrong_number', 'not_the_center', `Answered; the person ${answer.via}: this is not the center's number.`);
    case MENU_KEYS.closed:
      return verdict('closed', 'center_closed', `Answered; the person ${answer.via}: the center has closed.`);
    case MENU_KEYS.moved:
      return verdict('redirected', 'center_moved', `Answered; the person ${answer.via}: the center has moved${movedNote}.`);
    case MENU_KEYS.optOut:
      return verdict('inconclusive', OPT_OUT_REASON, `Answered; the person ${answer.via}: never call this number again. The number is opted out.`);
    case CALLBACK:
      return verdict('callback_requested', 'callback_requested', `Answered; the person ${answer.via}: call back later.`);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Manual records: what the person wrote down, standing for as many calls as they say they made.

function classifyManual(e: ManualEvidence): Classification {
  const note = e.note || 'no note';
  if (!e.attempts) return verdict(e.outcome, 'manual', `Recorded by ${e.recordedBy}: ${note}`);
  const problem = manualAttemptsProblem(e.attempts, e.at);
  if (problem) return verdict('error', 'malformed_evidence', `The stored manual record's ${problem.field} ${problem.message}.`);
  const { count, first, last } = e.attempts;
  if (count === 1) return verdict(e.outcome, 'manual', `Recorded by ${e.recordedBy}: ${note}`);
  const calls = `${count} calls from ${new Date(first).toISOString()} to ${new Date(last).toISOString()}`;
  return { ...verdict(e.outcome, 'manual', `Recorded by ${e.recordedBy} (${calls}): ${note}`), attempts: count };
}

// ---------------------------------------------------------------------------------------------
// Errors from Twilio's REST API: ours, or the number's?

const AUTH_CODES = new Set([20003, 20005, 10001, 70051]);
const QUOTA_CODES = new Set([20429, 10004]);
const CALLER_ID_CODES = new Set([21210, 21212]);
const PERMISSION_CODES = new Set([21215, 13227, 32205, 21216, 13225, 21219]);
const INVALID_NUMBER_CODES = new Set([21211, 21217, 13223, 13226]);

/** Returns a verdict when the REST error is about us; null when it is about the number. */
function ourRestError(e: TwilioErrorFacts, what: string): Classification | null {
  const code = e.code ?? 0;
  // Permission codes first: Twilio answers some of them with HTTP 403 too.
  if (PERMISSION_CODES.has(code)) {
    return verdict('error', 'twilio_permissions', `Our Twilio geo permissions or block list stopped ${what} (${describe(e)}).`);
  }
  if (e.status === 401 || e.status === 403 || AUTH_CODES.has(code)) {
    return verdict('error', 'twilio_auth', `Twilio rejected our account (${describe(e)}); ${what} was not made.`);
  }
  if (e.status === 429 || QUOTA_CODES.has(code)) {
    return verdict('error', 'twilio_rate_limited', `Twilio asked us to slow down (${describe(e)}); ${what} will be retried.`);
  }
  if (CALLER_ID_CODES.has(code)) return verdict('error', 'caller_id_config', `Our caller ID is not accepted (${describe(e)}).`);
  if (e.status === undefined || e.status >= 500) {
    return verdict('error', 'provider_unavailable', `Twilio could not be reached or failed (${describe(e)}).`);
  }
  return null;
}

function describe(e: TwilioErrorFacts): string {
  return [e.status !== undefined ? `HTTP ${e.status}` : null, e.code !== undefined ? `code ${e.code}` : null, e.message].filter(Boolean).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Calls

function classifyCall(e: CallEvidence): Classification {
  if (e.createError) {
    const ours = ourRestError(e.createError, 'the call');
    if (ours) return ours;
    const code = e.createError.code ?? 0;
    if (INVALID_NUMBER_CODES.has(code)) {
      return verdict('unavailable', 'invalid_number', `Twilio says ${e.number} is not a valid number (${describe(e.createError)}).`);
    }
    if (code === 21214) return verdict('unavailable', 'cannot_route', `Twilio cannot reach ${e.number} (${describe(e.createError)}).`);
    return verdict('error', 'twilio_error', `Twilio refused the call (${describe(e.createError)}).`);
  }
  const f = e.final;
  if (!f) return verdict('error', 'no_final_status', `No final call status was obtained (${e.gaveUp ?? 'unknown reason'}).`);
  const { sip, errorCode, via } = endCodes(e, f);
  const sipText = sip !== undefined ? ` (SIP ${sip}${via})` : '';
  switch (f.status) {
    case 'canceled':
      return verdict('error', 'call_canceled', 'The call was canceled before it connected (by us or by Twilio\'s queue), so it says nothing about the number.');
    case 'busy':
      if (sip === 603) return verdict('busy', 'rejected', `The call was rejected by the callee${sipText}.`);
      return verdict('busy', 'busy', `The line was busy${sipText}.`);
    case 'no-answer':
      return verdict('no_answer', 'no_answer', `It rang out with no answer${sipText}.`);
    case 'failed':
      return classifyFailedCall(errorCode, sip, via);
    case 'completed':
      return classifyAnswered(e, errorCode);
    default:
      return verdict('error', 'malformed_evidence', `The stored final call status "${String(f.status)}" is not a final status.`);
  }
}

/**
 * The SIP and error codes the call ended with. They come on the final status callback; when that never
 * reached us and the end was fetched (the Call resource has neither), from what Twilio kept: the
 * undelivered final callback in the call's Events log, then the call's notifications (errors before
 * warnings). `via` says where, for the detail.
 */
function endCodes(e: CallEvidence, f: CallFinal): { sip?: number; errorCode?: number; via: string } {
  if (f.source === 'callback') return { ...(f.sip !== undefined ? { sip: f.sip } : {}), ...(f.errorCode !== undefined ? { errorCode: f.errorCode } : {}), via: '' };
  const kept = e.events.filter((x) => x.kind === 'twilio-event' && x.status === f.status && (x.sip !== undefined || x.errorCode !== undefined)).at(-1);
  const notes = e.events.filter((x) => x.kind === 'notification' && x.errorCode !== undefined);
  const note = notes.find((x) => x.level !== 'warning') ?? notes[0];
  const sip = f.sip ?? kept?.sip;
  const errorCode = f.errorCode ?? kept?.errorCode ?? note?.errorCode;
  const recovered = (f.sip === undefined && sip !== undefined) || (f.errorCode === undefined && errorCode !== undefined);
  return {
    ...(sip !== undefined ? { sip } : {}),
    ...(errorCode !== undefined ? { errorCode } : {}),
    via: recovered ? `, from Twilio's record of the call: ${kept ? 'its events log' : 'its notifications'}` : '',
  };
}

function classifyFailedCall(errorCode: number | undefined, sip: number | undefined, via: string): Classification {
  const sipText = (sip !== undefined ? `SIP ${sip}` : 'no SIP code') + via;
  if (sip === 603 || sip === 600) return verdict('busy', 'rejected', `The call was rejected by the callee (${sipText}).`);
  if (errorCode !== undefined && (PERMISSION_CODES.has(errorCode) || AUTH_CODES.has(errorCode))) {
    return verdict('error', 'twilio_permissions', `Twilio blocked the call on our side (error ${errorCode}).`);
  }
  if (sip === 404 || sip === 604 || sip === 484 || errorCode === 13224) {
    return verdict('unavailable', 'not_in_service', `The number is not in service (${sipText}${errorCode ? `, error ${errorCode}` : ''}).`);
  }
  if (sip === 410) return verdict('unavailable', 'number_changed', `The network says the number has changed (${sipText}).`);
  if (sip === 480) return verdict('unavailable', 'switched_off', `The handset is switched off or out of coverage (${sipText}).`);
  if (sip === 408) return verdict('no_answer', 'no_answer', `Nobody responded (${sipText}).`);
  if (sip === 401 || sip === 403 || sip === 407) {
    return verdict('error', 'route_blocked', `The call was refused on the route (${sipText}); this is usually our permissions, not the number.`);
  }
  if ((sip !== undefined && sip >= 500 && sip < 600) || (errorCode !== undefined && errorCode >= 32000 && errorCode < 33000)) {
    return verdict('error', 'carrier_error', `A carrier or network failed (${sipText}${errorCode ? `, error ${errorCode}` : ''}); retried later.`);
  }
  // "Failed" alone blames nobody: our webhook being unreachable, a lost callback or an error about our
  // side end the same way. Only the network's answer (a SIP code) can say the number is at fault.
  if (sip === undefined) {
    return verdict(
      'inconclusive',
      'failure_unexplained',
      `The call failed, and no SIP code says why (${errorCode ? `only error ${errorCode}` : 'no error code either'}), so it says nothing about the center.`,
      false,
    );
  }
  return verdict('unavailable', 'call_failed', `The call failed (${sipText}${errorCode ? `, error ${errorCode}` : ''}).`);
}

// Operator announcements when the network *answers* and plays them (most are early media and end as
// failed/no-answer with a SIP code instead) are read from Twilio's transcript with the same Russian and
// Kazakh phrase lists as recorded SIP audio (src/audio/phrases.ts).

function classifyAnswered(e: CallEvidence, code: number | undefined): Classification {
  // Our webhook failed (11200/11205): the person heard "an application error", not our menu.
  if ((code === 11200 || code === 11205) && e.gathers.length === 0) {
    return verdict('error', 'webhook_failed', `Twilio could not fetch our menu (error ${code}); the call says nothing about the center.`);
  }
  const answeredBy = e.final?.answeredBy ?? e.events.find((x) => x.answeredBy)?.answeredBy;
  const spoken = e.gathers.map((g) => g.speech ?? '').join(' ');
  const answer = firstAnswer(e.gathers);
  const phrase = answer ? null : matchPhrase(spoken);
  if (phrase) {
    return verdict(phrase.outcome, 'intercept_announcement', `The network answered with an announcement: "${spoken.trim()}" (phrase ${phrase.id}).`);
  }
  const said = answer ? menuAnswerVerdict(answer, e.recording ? ` (recorded message, ${e.recording.durationSec} s)` : '') : null;
  if (said) return said;
  if (answeredBy === 'fax') return verdict('wrong_number', 'fax', 'A fax machine answered.');
  if (answeredBy?.startsWith('machine')) return verdict('voicemail', 'voicemail', `An answering machine answered (${answeredBy}) and nobody used the menu.`);
  const secs = e.final?.durationSec;
  return verdict('inconclusive', 'answered_silent', `Answered${answeredBy ? ` (${answeredBy})` : ''}, but nobody used the menu${secs !== undefined ? ` in ${secs} s` : ''}.`);
}

// ---------------------------------------------------------------------------------------------
// Lookups: cheap and silent. A valid number says nothing about whether anyone answers, so such a
// result is informational (`confirming: false`): it neither confirms nor breaks a status streak.

function classifyLookup(e: LookupEvidence): Classification {
  if (e.error) {
    const ours = ourRestError(e.error, 'the lookup');
    if (ours) return { ...ours, confirming: false };
    if (e.error.code === 60607) return verdict('inconclusive', 'lookup_no_data', 'Lookup has no data for this country.', false);
    if (e.error.status === 404) return verdict('unavailable', 'invalid_number', `Lookup does not know ${e.number} as a number (HTTP 404).`);
    return verdict('error', 'twilio_error', `The lookup failed (${describe(e.error)}).`, false);
  }
  const r = e.result;
  if (!r) return verdict('error', 'malformed_evidence', 'The lookup evidence has neither a result nor an error.', false);
  if (!r.valid) {
    const why = r.validationErrors.length ? r.validationErrors.join(', ') : 'no reason given';
    return verdict('unavailable', 'invalid_number', `Lookup says ${e.number} is not a valid number (${why}); it will not be dialled.`);
  }
  const line = r.lineType ? `, ${r.lineType}${r.carrierName ? ` (${r.carrierName})` : ''}` : '';
  return verdict('inconclusive', 'valid_number', `Lookup says ${e.number} is a valid ${r.countryCode ?? ''} number${line}.`, false);
}
