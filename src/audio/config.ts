// The `audio` section: how long recorded clips are kept and how long each may be, and the optional
// speech-to-text hook (docs/audio.md).

import { parseDuration } from '../scheduler/schedule.ts';
import { fieldsOf, knownKeys, sectionOf, showDuration, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';
import type { SpeechHook } from './speech.ts';

export interface AudioConfig {
  /** Clips older than this are deleted daily; null keeps them as long as the folder lasts. */
  clipRetentionMs: number | null;
  /** Longest clip kept; a longer recording is cut (the evidence says so). */
  clipMaxSeconds: number;
  /** The speech-to-text hook, or null when none is configured. */
  speech: SpeechHook | null;
}

export const AUDIO_DEFAULTS: AudioConfig = { clipRetentionMs: 90 * 86_400_000, clipMaxSeconds: 30, speech: null };
const SPEECH_DEFAULTS = { timeoutMs: 30_000, maxInputBytes: 1_000_000 };

export const AUDIO_DOC: SectionDoc = {
  section: 'audio',
  about: 'Recorded call audio kept as evidence (clips of what a caller heard), and the optional speech-to-text hook; see docs/audio.md.',
  keys: [
    { key: 'clip_retention', default: showDuration(AUDIO_DEFAULTS.clipRetentionMs), meaning: 'Recorded clips older than this (clips/ and the SIP prober\'s sip/<attempt>/ folders) are deleted daily ("forever", or at least 1d); the evidence keeps each clip\'s SHA-256, so its probe still verifies.' },
    { key: 'clip_max_seconds', default: String(AUDIO_DEFAULTS.clipMaxSeconds), meaning: 'Longest clip kept, 1 to 300 seconds (G.711 at 8 kHz: 8 KB a second).' },
    { key: 'speech_command', default: 'none', meaning: '"none", or the speech-to-text command as a list, e.g. ["/opt/stt/transcribe", "--lang", "ru", "{wav}"]: run without a shell, "{wav}" replaced by the clip\'s path (appended when absent); it prints the transcript.' },
    { key: 'speech_timeout', default: showDuration(SPEECH_DEFAULTS.timeoutMs), meaning: 'The hook is stopped, with everything it started, after this long (the clip stays untranscribed).' },
    { key: 'speech_max_bytes', default: String(SPEECH_DEFAULTS.maxInputBytes), meaning: 'Clips larger than this many bytes are not given to the hook (at least 1000).' },
  ],
};

export function parseAudioSection(raw: Obj, ctx: SectionContext): AudioConfig {
  const { where, problems } = ctx;
  const audio = sectionOf(raw, 'audio', ctx);
  const f = fieldsOf(ctx, 'audio', audio);
  f.known(knownKeys(AUDIO_DOC));
  let clipRetentionMs = AUDIO_DEFAULTS.clipRetentionMs;
  const r = audio.clip_retention;
  if (r === 'forever') clipRetentionMs = null;
  else if (r !== undefined) {
    const ms = typeof r === 'string' ? parseDuration(r) : null;
    if (ms === null || ms < 86_400_000) problems.push(`${where(['audio', 'clip_retention'])}: must be "forever" or a duration of at least 1d, such as 90d, not ${JSON.stringify(r)}.`);
    else clipRetentionMs = ms;
  }
  // Read even without a command, so a bad value is reported before the command is added.
  const timeoutMs = f.duration('speech_timeout', SPEECH_DEFAULTS.timeoutMs);
  const maxInputBytes = f.int('speech_max_bytes', SPEECH_DEFAULTS.maxInputBytes, 1000);
  let speech: SpeechHook | null = null;
  const cmd = audio.speech_command;
  if (cmd !== undefined && cmd !== null && cmd !== 'none') {
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((a) => typeof a === 'string') || cmd[0] === '') {
      problems.push(`${where(['audio', 'speech_command'])}: must be "none" or a list of strings, the program first, e.g. ["/opt/stt/transcribe", "{wav}"] (it is run without a shell), not ${JSON.stringify(cmd)}.`);
    } else {
      speech = { command: cmd as string[], timeoutMs, maxInputBytes };
    }
  }
  return { clipRetentionMs, clipMaxSeconds: f.int('clip_max_seconds', AUDIO_DEFAULTS.clipMaxSeconds, 1, 300), speech };
}
