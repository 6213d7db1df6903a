// The network that answers and plays an announcement is the network, not the center. What a caller
// heard, as the SIP classifier weighs it: an operator's label first (a person said what this
// recording is), then the speech hook's transcript against the shipped phrase lists, then the
// special information tone alone. Pure: a function of the stored analysis; the phrase lists are
// applied again to the stored transcript, so new phrases reclassify old evidence.

import type { Outcome } from '../domain.ts';
import type { AudioAnalysis } from './analyse.ts';
import { matchPhrase } from './phrases.ts';

export interface AnnouncementVerdict {
  outcome: Outcome;
  reason: string;
  detail: string;
}

/** The reason when only the special information tone was heard. */
export const SIT_REASON = 'special_information_tone';

/** What the clips say about the call, first clip first; null when nothing in them is a network's announcement. */
export function announcementVerdict(analysis: AudioAnalysis | readonly AudioAnalysis[]): AnnouncementVerdict | null {
  const clips = Array.isArray(analysis) ? (analysis as readonly AudioAnalysis[]) : [analysis as AudioAnalysis];
  for (const a of clips) {
    if (a.match) {
      const m = a.match;
      return {
        outcome: m.outcome,
        reason: m.reason,
        detail: `The network played an announcement an operator labelled "${m.name}" (label ${m.labelId}, similarity ${m.similarity.toFixed(2)}).`,
      };
    }
  }
  for (const a of clips) {
    const transcript = a.speech && 'transcript' in a.speech ? a.speech.transcript : '';
    const phrase = transcript ? matchPhrase(transcript) : null;
    if (phrase) return { outcome: phrase.outcome, reason: phrase.reason, detail: `The network played an announcement: "${transcript.trim()}" (phrase ${phrase.id}).` };
  }
  for (const a of clips) {
    if (a.sit) {
      const tones = a.sit.tones.map((t) => `${t.hz} Hz ${Math.round(t.seconds * 1000)} ms`).join(', ');
      return {
        outcome: 'unavailable',
        reason: SIT_REASON,
        detail: `The network played the special information tone at ${a.sit.at.toFixed(2)} s (${tones}; confidence ${a.sit.confidence.toFixed(2)}), which announces that the number cannot be reached.`,
      };
    }
  }
  return null;
}
