// What a SIP probe call's evidence means (src/probers/sip/evidence.ts). Pure: no clock, no I/O.
// The SIP codes mean what they mean for Twilio calls (src/classifier/phone.ts), with the same
// outcomes; what is ours here is the trunk: a trunk that is down, unreachable, refuses our credentials
// or fails (5xx) is our `error`, never the center's. What was heard tells a network announcement from
// a person, and is read from the stored analyses (evidence v2's `audio`) through the one rule for it,
// announcementVerdict (src/audio/verdict.ts): a label first, then a phrase, then the tones.

import { announcementVerdict, type AnnouncementVerdict } from '../audio/verdict.ts';
import type { Classification, Outcome } from '../domain.ts';
import { clipSeconds, type SipEvidence } from '../probers/sip/evidence.ts';
import { firstAnswer } from '../probers/phone/menu.ts';
import { menuAnswerVerdict } from './phone.ts';

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
  if (e.tlsRefused) return verdict('error', 'trunk_tls_untrusted', `${cap(trunk)} presented a TLS certificate that sip.ca_file does not vouch for (${e.tlsRefused}); nothing was dialled.`);
  if (!e.trunkResponded) {
    return verdict('error', 'trunk_unreachable', `${cap(trunk)} did not answer (${e.uaError ?? 'no SIP response at all'}); the call says nothing about the number.`);
  }
  const f = e.final;
  const early = heardIn(e, 'early');
  if (!f) {
    // The trunk answered but no final response came: we cancelled a call that rang out, or gave up.
    // An announcement or the tones in its early media were the network saying why: they decide.
    if (early) return fromHeard(early, 'Before we gave up on the call, the network played what a caller hears instead of ringing: ');
    if (e.ringingAtMs !== null || e.earlyMediaAtMs !== null) return verdict('no_answer', 'no_answer', 'It rang out with no answer.');
    return verdict('error', 'no_final_response', `${cap(trunk)} never gave a final answer to the call (${e.uaError ?? e.gaveUp ?? 'unknown reason'}).`);
  }
  const code = `SIP ${f.code} ${f.reason}`.trim() + (f.q850 ? `, Q.850 cause ${f.q850.cause}${f.q850.text ? ` "${f.q850.text}"` : ''}` : '');
  if (f.code === 200) return classifyAnswered(e);
  if (f.code === 401 || f.code === 407) {
    return verdict('error', 'trunk_auth', `${cap(trunk)} refused our credentials (${code}${e.challenges.length ? ', after we answered its challenge' : ''}); no center is affected.`);
  }
  if (f.code === 403) return verdict('error', 'trunk_forbidden', `${cap(trunk)} refused the call (${code}); this is our account or route, not the number.`);
  if (f.code >= 500 && f.code < 600) return verdict('error', 'carrier_error', `${cap(trunk)} or a carrier behind it failed (${code}); retried later.`);
  // An operator labelled this very recording with its class: that decides over the code, which
  // carriers pick inconsistently for the same announcement. The code is still named.
  if (early && labelled(e, 'early')) return fromHeard(early, `Before it ended the call (${code}), the network played early media: `);
  const earlyText = early ? ` Before that, in early media: ${early.detail}` : '';
  const byCode = (outcome: Outcome, reason: string, detail: string, confirming = true) => verdict(outcome, reason, detail + earlyText, confirming);
  switch (f.code) {
    case 404:
    case 484:
    case 604:
      return byCode('unavailable', 'not_in_service', `The number is not in service (${code}).`);
    case 410:
      return byCode('unavailable', 'number_changed', `The network says the number has changed (${code}).`);
    case 480:
      return byCode('unavailable', 'switched_off', `The handset is switched off or out of coverage (${code}).`);
    case 486:
    case 600:
      return byCode('busy', 'busy', `The line was busy (${code}).`);
    case 603:
      return byCode('busy', 'rejected', `The call was declined by the callee (${code}).`);
    case 408:
      if (early) return fromHeard(early, `Before the call ended unanswered (${code}), the network played early media: `);
      return byCode('no_answer', 'no_answer', `Nobody responded (${code}).`);
    case 487:
      if (early) return fromHeard(early, `Before the call ended unanswered (${code}), the network played early media: `);
      return e.hungUpBy === 'us'
        ? byCode('no_answer', 'no_answer', `It rang out with no answer; we cancelled it at the ring timeout (${code}).`)
        : byCode('no_answer', 'no_answer', `The call was ended before it was answered (${code}).`);
    default:
      break;
  }
  if (f.code >= 300 && f.code < 400) return byCode('redirected', 'sip_redirect', `The network redirects calls to this number elsewhere (${code}).`);
  // Any other 4xx says the call failed without saying whose fault it was (a codec we offer, a header);
  // what the network played before it may say.
  if (early) return fromHeard(early, `Before the call failed (${code}), the network played early media: `);
  return byCode('inconclusive', 'sip_failed', `The call failed (${code}); the code does not say whether the number is at fault.`, false);
}

function classifyAnswered(e: SipEvidence): Classification {
  // A network that answers and plays a message is the network, not the center (false answer
  // supervision). A transcript's phrase counts only when nobody pressed a key: a person who answers
  // the menu may well say "недоступен" about someone else; a label or the tones are never a person.
  const after = heardIn(e, 'answered', e.keys.length > 0);
  if (after) return fromHeard(after, 'The network answered the call (SIP 200) and played an announcement, not the center: ');
  const answer = firstAnswer(e.keys.map((k) => ({ step: 1, digits: k.key })));
  const secs = e.endedAtMs !== null && e.answeredAtMs !== null ? ` after ${Math.round((e.endedAtMs - e.answeredAtMs) / 1000)} s` : '';
  const said = answer ? menuAnswerVerdict(answer, e.clips.answered ? ` (what they said is in the call's audio, ${Math.round(clipSeconds(e.clips.answered))} s)` : '') : null;
  if (said) return said;
  const who = e.hungUpBy === 'them' ? '; they hung up' : '';
  // Our failure to keep or analyse the audio is said, so nobody reads "nothing was heard" into it.
  const unheard = e.audioError ? ` What was heard is not known: ${e.audioError}.` : '';
  return verdict('inconclusive', 'answered_silent', `Answered${who}, but nobody used the menu${secs}${e.menu ? '' : ' (no menu was played)'}.${unheard}`);
}

/** One clip's stored analysis (src/audio/analyse.ts's AudioAnalysis, named through the evidence this folder may import). */
type ClipAnalysis = NonNullable<NonNullable<SipEvidence['audio']>['early']>;

/** What the stored analysis of one part of the call says, or null (v1 evidence has none). */
function heardIn(e: SipEvidence, part: 'early' | 'answered', withoutSpeech = false): AnnouncementVerdict | null {
  const a = e.audio?.[part] ?? null;
  if (!a) return null;
  const { speech: _, ...silent } = a;
  return announcementVerdict(withoutSpeech ? (silent as ClipAnalysis) : a);
}

/** The analysis matched an operator's label (the verdict is the label's). */
const labelled = (e: SipEvidence, part: 'early' | 'answered'): boolean => Boolean(e.audio?.[part]?.match);

const fromHeard = (h: AnnouncementVerdict, lead: string): Classification => verdict(h.outcome, h.reason, lead + h.detail);

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
