// One clip's analysis, as stored in a probe's evidence: the special information tone, the
// fingerprint, the operator's label it matched, and what the speech hook heard. Pure: the transcript
// is handed in (running the hook is I/O, see speech.ts), and the matched label is copied in whole, so
// the evidence still says what was heard after the label is removed.

import type { Outcome } from '../domain.ts';
import { fingerprint, matchAnnouncement, type AnnouncementMatch } from './fingerprint.ts';
import { detectSit, type SitFinding } from './sit.ts';
import { to8k } from './wav.ts';

/** What matching needs of an operator's label, and what a match copies into the evidence. */
export interface AnnouncementLabel {
  id: string;
  fingerprint: string;
  /** What the operator called it: "Kcell: switched off". */
  name: string;
  outcome: Outcome;
  reason: string;
}

export type SpeechHeard = { transcript: string } | { error: string };

export interface AudioAnalysis {
  /** Version of this shape and of the analysis behind it. */
  v: 1;
  seconds: number;
  sit: SitFinding | null;
  fingerprint: string;
  match: (AnnouncementMatch & Pick<AnnouncementLabel, 'name' | 'outcome' | 'reason'>) | null;
  /** Present when the speech hook ran: its transcript, or why there is none. */
  speech?: SpeechHeard;
}

export function analyseAudio(pcm: Int16Array, sampleRate: number, labels: readonly AnnouncementLabel[], speech?: SpeechHeard): AudioAnalysis {
  const x = to8k(pcm, sampleRate);
  const fp = fingerprint(x, 8000);
  const m = matchAnnouncement(fp, labels);
  const label = m ? labels.find((l) => l.id === m.labelId) : undefined;
  return {
    v: 1,
    seconds: Math.round((x.length / 8000) * 1000) / 1000,
    sit: detectSit(x, 8000),
    fingerprint: fp,
    match: m && label ? { ...m, name: label.name, outcome: label.outcome, reason: label.reason } : null,
    ...(speech ? { speech } : {}),
  };
}
