// What a SIP probe call records: facts read from the SIP messages themselves (the user agent's trace)
// and from its events, with the audio it received kept as files beside the probe. No verdicts: the
// classifier (src/classifier/sip.ts) decides from this alone, so the rules can change after the fact.

import type { Evidence, Outcome } from '../../domain.ts';

export const SIP_EVIDENCE_VERSION = 1;

/** One received audio clip, kept under the data folder (never public). */
export interface SipClip {
  /** Relative to the data folder: `sip/<attempt>/<which>.wav` (8 kHz, 16-bit mono PCM WAV). */
  path: string;
  sha256: string;
  durationMs: number;
  bytes: number;
  sampleRate: number;
  /** The clip was cut at the configured cap. */
  truncated: boolean;
  /** Loudest sample, 0 to 32767: 0 is digital silence (a fact about the file, not a verdict). */
  peak: number;
}

/**
 * What the audio analysis (src/audio, built beside this) found in a clip. A local interface: the
 * analysis fills it when it is connected; without it `heard` stays null and the classifier decides
 * from the SIP codes and the menu's keys alone.
 */
export interface HeardFinding {
  /** The three-tone special information signal (913.8, 1370.6, 1776.7 Hz), when detected. */
  sit: { atMs?: number; [key: string]: unknown } | null;
  /** A labelled announcement this clip matched (an operator labelled it once, with its class). */
  match: { label: string; outcome: Outcome; [key: string]: unknown } | null;
  /** A transcript from the operator's speech-to-text command, if any. */
  transcript?: string | null;
  /** A phrase from the shipped lists found in the transcript, with its class. */
  phrase?: { phrase: string; outcome: Outcome } | null;
}

/** A SIP response to our INVITE, as read from the wire. */
export interface SipResponse {
  code: number;
  reason: string;
  /** Milliseconds after the INVITE left. */
  atMs: number;
  /** It carried an SDP body (early media for a 183). */
  sdp: boolean;
}

export interface SipEvidence {
  method: 'sip';
  v: number;
  /** The call attempt (the call ledger's row: counted toward caps and spend before dialling). */
  attempt: string;
  /** What was dialled: E.164 or a national short code such as 114. */
  number: string;
  requestUri: string;
  trunk: { name: string; proxy: string; transport: 'udp' | 'tcp' | 'tls' };
  /** The user agent that placed the call. */
  ua: string;
  startedAt: number;
  /** Any SIP response came back from the trunk (false: it is down or unreachable, our side). */
  trunkResponded: boolean;
  /** Digest challenges (401/407) the user agent answered with our credentials. */
  challenges: number[];
  /** Every provisional response after 100 Trying, in order. */
  provisional: SipResponse[];
  /** The first 18x: post-dial delay. */
  postDialDelayMs: number | null;
  ringingAtMs: number | null;
  earlyMediaAtMs: number | null;
  /** The final response to the INVITE (200 when answered), with the Reason header's Q.850 cause. */
  final: (SipResponse & { q850: { cause: number; text: string | null } | null; reasonHeader: string | null }) | null;
  answeredAtMs: number | null;
  /** Who ended an answered call ('us' at the end of the menu or at a deadline), or who cancelled a ringing one. */
  hungUpBy: 'us' | 'them' | null;
  endedAtMs: number | null;
  /** We gave up before a final answer: the ring timeout (we sent CANCEL) or the probe's deadline. */
  gaveUp: 'ring_timeout' | 'deadline' | null;
  /** The user agent's own reason when the call closed without a SIP final response (e.g. "Connection refused"). */
  uaError: string | null;
  /** The menu prompt played after the answer, in these languages. */
  menu: { languages: string[] } | null;
  /** Keys the callee pressed after the answer (RFC 4733 telephone events). */
  keys: { key: string; atMs: number }[];
  clips: { early: SipClip | null; answered: SipClip | null };
  /** The audio analysis of each clip, when connected (src/audio); null until then. */
  heard: { early: HeardFinding | null; answered: HeardFinding | null } | null;
  /** Our failure before or outside the call (the user agent would not start); null otherwise. */
  error: string | null;
}

export function isSipEvidence(e: Evidence): e is Evidence & SipEvidence {
  return e.method === 'sip' && typeof e.v === 'number' && typeof e.trunkResponded === 'boolean' && Array.isArray(e.keys) && Array.isArray(e.provisional);
}
