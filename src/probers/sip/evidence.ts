// What a SIP probe call records: facts read from the SIP messages themselves (the user agent's trace)
// and from its events, with the audio it received kept as files beside the probe. No verdicts: the
// classifier (src/classifier/sip.ts) decides from this alone, so the rules can change after the fact.

import type { AudioAnalysis } from '../../audio/analyse.ts';
import type { ClipRef } from '../../audio/clips.ts';
import type { Evidence } from '../../domain.ts';

/**
 * 2: clips are kept by src/audio (A-law under clips/<day>/<sha256>.wav) with their analyses in
 * `audio`. 1: clips were PCM16 under sip/<attempt>/ and `heard` was always null (the analysis was not
 * connected yet), so a v1 call is classified as one in which nothing was recognised.
 */
export const SIP_EVIDENCE_VERSION = 2;

/** A v1 clip: 8 kHz 16-bit PCM WAV under sip/<attempt>/<which>.wav. */
export interface SipClipV1 {
  path: string;
  sha256: string;
  durationMs: number;
  bytes: number;
  sampleRate: number;
  truncated: boolean;
  peak: number;
}

/** One part of the call's audio, before or after the answer: a v2 ClipRef, or a v1 clip in old evidence. */
export type SipClip = ClipRef | SipClipV1;

/** How long a clip is, whichever version kept it. */
export function clipSeconds(c: SipClip): number {
  return 'seconds' in c ? c.seconds : c.durationMs / 1000;
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
  /** What was received before the answer (early media) and after it, each kept as a clip (v2: A-law, clips/<day>/<sha256>.wav). */
  clips: { early: SipClip | null; answered: SipClip | null };
  /**
   * v2: each clip's analysis (src/audio/analyse.ts: the special information tone, the fingerprint and
   * the operator's label it matched, the speech hook's transcript or its error), made from the clip as
   * kept, so it can be recomputed from the stored file. Absent in v1 evidence.
   */
  audio?: { early: AudioAnalysis | null; answered: AudioAnalysis | null };
  /** v1 only, always null there (the analysis was not connected). */
  heard?: null;
  /** v2: the received audio could not be kept or analysed (our failure; the SIP codes still decide). */
  audioError?: string | null;
  /** v2, transport tls: the trunk's certificate failed our check against sip.ca_file, so nothing was dialled (why). */
  tlsRefused?: string | null;
  /** Our failure before or outside the call (the user agent would not start); null otherwise. */
  error: string | null;
}

export function isSipEvidence(e: Evidence): e is Evidence & SipEvidence {
  return e.method === 'sip' && typeof e.v === 'number' && typeof e.trunkResponded === 'boolean' && Array.isArray(e.keys) && Array.isArray(e.provisional);
}
