// What a SIP probe call's evidence means (src/probers/sip/evidence.ts). Pure: no clock, no I/O.
// The SIP codes mean what they mean for Twilio calls (src/classifier/phone.ts), with the same
// outcomes; what is ours here is the trunk: a trunk that is down, unreachable, refuses our credentials
// or fails (5xx) is our `error`, never the center's. What was heard (the audio analysis, when
// connected) tells a network announcement from a person.

import type { Classification, Outcome } from '../domain.ts';
import type { HeardFinding, SipEvidence } from '../probers/sip/evidence.ts';
import { firstAnswer, MENU_KEYS } from '../probers/phone/menu.ts';
import { OPT_OUT_REASON } from './phone.ts';

const verdict = (outcome: Outcome, reason: string, detail: string, confirming = true): Classification => ({
  outcome,
  reason,
  detail,
  flags: [],
  ...(confirming ? {} : { confirming: false }),
});

export function classifySip(e: SipEvidence): Classification {
  if (e.error) return verdict('error', 'sip_ua_failed', `The call could not be placed on our side: ${e.error}.`);
  const trunk = `our SIP trunk ${e.trunk.name}`;
  if (!e.trunkResponded) {
    return verdict('error', 'trunk_unreachable', `${cap(trunk)} did not answer (${e.uaError ?? 'no SIP response at all'}); the call says nothing about the number.`);
  }
  const f = e.final;
  if (!f) {
    // The trunk answered but no final response came: we cancelled a call that rang out, or gave up.
    if (e.ringingAtMs !== null || e.earlyMediaAtMs !== null) return verdict('no_answer', 'no_answer', `It rang out with no answer${heardText(e.heard?.early)}.`);
    return verdict('error', 'no_final_response', `${cap(trunk)} never gave a final answer to the call (${e.uaError ?? e.gaveUp ?? 'unknown reason'}).`);
  }
  const code = `SIP ${f.code} ${f.reason}`.trim() + (f.q850 ? `, Q.850 cause ${f.q850.cause}${f.q850.text ? ` "${f.q850.text}"` : ''}` : '');
  if (f.code === 200) return classifyAnswered(e);
  if (f.code === 401 || f.code === 407) {
    return verdict('error', 'trunk_auth', `${cap(trunk)} refused our credentials (${code}${e.challenges.length ? ', after we answered its challenge' : ''}); no center is affected.`);
  }
  if (f.code === 403) return verdict('error', 'trunk_forbidden', `${cap(trunk)} refused the call (${code}); this is our account or route, not the number.`);
  if (f.code >= 500 && f.code < 600) return verdict('error', 'carrier_error', `${cap(trunk)} or a carrier behind it failed (${code}); retried later.`);
  const early = heardText(e.heard?.early);
  switch (f.code) {
    case 404:
    case 484:
    case 604:
      return verdict('unavailable', 'not_in_service', `The number is not in service (${code})${early}.`);
    case 410:
      return verdict('unavailable', 'number_changed', `The network says the number has changed (${code})${early}.`);
    case 480:
      return verdict('unavailable', 'switched_off', `The handset is switched off or out of coverage (${code})${early}.`);
    case 486:
    case 600:
      return verdict('busy', 'busy', `The line was busy (${code})${early}.`);
    case 603:
      return verdict('busy', 'rejected', `The call was declined by the callee (${code})${early}.`);
    case 408:
      return verdict('no_answer', 'no_answer', `Nobody responded (${code})${early}.`);
    case 487:
      return e.hungUpBy === 'us'
        ? verdict('no_answer', 'no_answer', `It rang out with no answer; we cancelled it at the ring timeout (${code})${early}.`)
        : verdict('no_answer', 'no_answer', `The call was ended before it was answered (${code})${early}.`);
    default:
      break;
  }
  if (f.code >= 300 && f.code < 400) return verdict('redirected', 'sip_redirect', `The network redirects calls to this number elsewhere (${code}).`);
  // Any other 4xx says the call failed without saying whose fault it was (a codec we offer, a header).
  return verdict('inconclusive', 'sip_failed', `The call failed (${code})${early}; the code does not say whether the number is at fault.`, false);
}

function classifyAnswered(e: SipEvidence): Classification {
  // A network that answers and plays a message is the network, not the center (false answer supervision).
  const after = e.heard?.answered ?? null;
  if (after?.match) {
    return verdict(after.match.outcome, 'announcement_after_answer', `The network answered and played a recognised announcement ("${after.match.label}"), not the center.`);
  }
  if (after?.sit) return verdict('unavailable', 'sit_after_answer', 'The network answered and played the special information tones, not the center.');
  if (after?.phrase && e.keys.length === 0) {
    return verdict(after.phrase.outcome, 'announcement_after_answer', `The network answered with an announcement ("${after.phrase.phrase}"), not the center.`);
  }
  const answer = firstAnswer(e.keys.map((k) => ({ step: 1, digits: k.key })));
  const secs = e.endedAtMs !== null && e.answeredAtMs !== null ? ` after ${Math.round((e.endedAtMs - e.answeredAtMs) / 1000)} s` : '';
  if (answer) {
    switch (answer.key) {
      case MENU_KEYS.confirmed:
        return verdict('reachable', 'confirmed', `Answered; the person ${answer.via}: this is the center.`);
      case MENU_KEYS.wrongNumber:
        return verdict('wrong_number', 'not_the_center', `Answered; the person ${answer.via}: this is not the center's number.`);
      case MENU_KEYS.closed:
        return verdict('closed', 'center_closed', `Answered; the person ${answer.via}: the center has closed.`);
      case MENU_KEYS.moved:
        return verdict('redirected', 'center_moved', `Answered; the person ${answer.via}: the center has moved${e.clips.answered ? ` (what they said is in the call's audio, ${Math.round(e.clips.answered.durationMs / 1000)} s)` : ''}.`);
      case MENU_KEYS.optOut:
        return verdict('inconclusive', OPT_OUT_REASON, `Answered; the person ${answer.via}: never call this number again. The number is opted out.`);
      default:
        break;
    }
  }
  const who = e.hungUpBy === 'them' ? '; they hung up' : '';
  return verdict('inconclusive', 'answered_silent', `Answered${who}, but nobody used the menu${secs}${e.menu ? '' : ' (no menu was played)'}.`);
}

function heardText(h: HeardFinding | null | undefined): string {
  if (!h) return '';
  if (h.match) return `; the network played "${h.match.label}"`;
  if (h.sit) return '; the network played the special information tones';
  if (h.phrase) return `; the network said "${h.phrase.phrase}"`;
  return '';
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
