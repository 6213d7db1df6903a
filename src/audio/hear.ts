// One recording of a call, from the prober's WAV to what the evidence keeps: the clip kept (and its
// hash), the speech hook's transcript if one is configured, and the analysis. The analysis is made
// from the clip *as kept*, so anyone can recompute it, fingerprint included, from the stored file.

import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { analyseAudio, type AnnouncementLabel, type AudioAnalysis } from './analyse.ts';
import { keepClip, type ClipRef } from './clips.ts';
import { transcribe, type SpeechHook } from './speech.ts';
import { readWav } from './wav.ts';

export interface HeardClip {
  /** Goes into the evidence's `clips`, in order. */
  clip: ClipRef;
  /** Goes into the evidence's `audio`, in the same order. */
  analysis: AudioAnalysis;
}

/** Keeps `wav`, transcribes it (when a hook is given) and analyses it. Throws WavError on a file it cannot read. */
export async function hearClip(
  dataDir: string,
  wav: Uint8Array,
  opts: { kind: string; maxSeconds: number; labels: readonly AnnouncementLabel[]; speech?: SpeechHook | null; at?: number; signal?: AbortSignal },
): Promise<HeardClip> {
  const clip = await keepClip(dataDir, wav, { kind: opts.kind, maxSeconds: opts.maxSeconds, ...(opts.at !== undefined ? { at: opts.at } : {}) });
  const file = path.join(dataDir, clip.path);
  const { pcm, sampleRate } = readWav(await readFile(file));
  const speech = opts.speech ? await transcribe(file, opts.speech, opts.signal) : undefined;
  return { clip, analysis: analyseAudio(pcm, sampleRate, opts.labels, speech) };
}
