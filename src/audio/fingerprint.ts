// Announcement fingerprints: what lets an operator label a network's recorded message once and
// have every later recording of it recognised, with no speech model. After Haitsma and Kalker's
// audio fingerprint: the spectrum in 16 bands, 256 ms frames every 16 ms; each frame gives 15 bits,
// the signs of how the energy difference between neighbouring bands changes from the previous frame.
// Signs of differences of log energies do not depend on the level, survive G.711 coding and a little
// noise, and long frames that overlap by 15/16 keep a few milliseconds' offset from mattering (with
// 64 ms frames a 5 ms offset alone cost 0.13 of similarity, with 256 ms frames 0.03);
// a larger offset is found by sliding one fingerprint along the other. A 16th bit marks frames that
// carry sound (within 35 dB of the clip's loudest), so silence, whose bits are noise, is never compared.
// Pure and deterministic: the same samples always give the same string.

import { to8k } from './wav.ts';

export const FINGERPRINT_VERSION = 'fp1';
const RATE = 8000;
const FFT_SIZE = 256; // 32 ms short spectra
const SHORT_HOP = 64; // 8 ms
const SPAN = 32; // short spectra per frame: 256 ms, Hann-weighted
const STEP = 2; // short spectra between frames
const HOP = SHORT_HOP * STEP; // 16 ms
const SPAN_WINDOW = Float64Array.from({ length: SPAN }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / SPAN));
const BANDS = 16;
const LOW_HZ = 300;
const HIGH_HZ = 3400;
/** Frames quieter than the loudest by more than this carry no sound. */
const SOUND_DB = 35;
const VOICED = 0x8000;

/** Seconds one fingerprint frame stands for (its hop). */
export const FRAME_SECONDS = HOP / RATE;

// Band edges in FFT bins, spaced evenly on a log scale over the telephone band.
const EDGES = Array.from({ length: BANDS + 1 }, (_, i) => Math.round((LOW_HZ * (HIGH_HZ / LOW_HZ) ** (i / BANDS) * FFT_SIZE) / RATE));
const WINDOW = Float64Array.from({ length: FFT_SIZE }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FFT_SIZE));

/** The fingerprint of `pcm`: "fp1:" and base64 of one little-endian 16-bit word per frame. */
export function fingerprint(pcm: Int16Array, sampleRate: number): string {
  return encode(fingerprintFrames(pcm, sampleRate));
}

export function fingerprintFrames(pcm: Int16Array, sampleRate: number): Uint16Array {
  const x = to8k(pcm, sampleRate);
  // Short spectra first (32 ms, every 16 ms), then each frame's band energies summed over SPAN short
  // ones: a 256 ms frame's energies at a fraction of the cost of a 2048-point transform per frame.
  const shorts = x.length < FFT_SIZE ? 0 : Math.floor((x.length - FFT_SIZE) / SHORT_HOP) + 1;
  const short = new Float64Array(shorts * BANDS);
  const re = new Float64Array(FFT_SIZE);
  const im = new Float64Array(FFT_SIZE);
  for (let f = 0; f < shorts; f++) {
    for (let i = 0; i < FFT_SIZE; i++) {
      re[i] = (x[f * SHORT_HOP + i] as number) * (WINDOW[i] as number);
      im[i] = 0;
    }
    fft(re, im);
    for (let b = 0; b < BANDS; b++) {
      let e = 0;
      for (let k = EDGES[b] as number; k < (EDGES[b + 1] as number); k++) e += (re[k] as number) ** 2 + (im[k] as number) ** 2;
      short[f * BANDS + b] = e;
    }
  }
  const frames = shorts < SPAN ? 0 : Math.floor((shorts - SPAN) / STEP) + 1;
  const energy = new Float64Array(frames * BANDS);
  const loud = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let total = 0;
    for (let b = 0; b < BANDS; b++) {
      let e = 0;
      for (let j = 0; j < SPAN; j++) e += (SPAN_WINDOW[j] as number) * (short[(f * STEP + j) * BANDS + b] as number);
      // The floor keeps log() finite in digital silence; it is far below any G.711 step.
      energy[f * BANDS + b] = Math.log(e + 1e-3);
      total += e;
    }
    loud[f] = total;
  }
  let peak = 0;
  for (let f = 0; f < frames; f++) peak = Math.max(peak, loud[f] as number);
  const floor = peak / 10 ** (SOUND_DB / 10);
  const out = new Uint16Array(Math.max(0, frames - 1));
  for (let f = 1; f < frames; f++) {
    let word = 0;
    for (let b = 0; b < BANDS - 1; b++) {
      const d = (energy[f * BANDS + b] as number) - (energy[f * BANDS + b + 1] as number) - ((energy[(f - 1) * BANDS + b] as number) - (energy[(f - 1) * BANDS + b + 1] as number));
      if (d > 0) word |= 1 << b;
    }
    if (peak > 0 && (loud[f] as number) >= floor && (loud[f - 1] as number) >= floor) word |= VOICED;
    out[f - 1] = word;
  }
  return out;
}

export function encode(frames: Uint16Array): string {
  const bytes = new Uint8Array(frames.length * 2);
  for (let i = 0; i < frames.length; i++) {
    bytes[i * 2] = (frames[i] as number) & 0xff;
    bytes[i * 2 + 1] = (frames[i] as number) >> 8;
  }
  return `${FINGERPRINT_VERSION}:${Buffer.from(bytes).toString('base64')}`;
}

/** The frames of a fingerprint string; null when it is not one this version wrote. */
export function decode(fp: string): Uint16Array | null {
  const m = /^fp1:([A-Za-z0-9+/]*={0,2})$/.exec(fp);
  if (!m) return null;
  const bytes = Buffer.from(m[1] as string, 'base64');
  if (bytes.length % 2) return null;
  const out = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[i * 2] as number) | ((bytes[i * 2 + 1] as number) << 8);
  return out;
}

export interface AnnouncementLabelRef {
  id: string;
  fingerprint: string;
}

export interface AnnouncementMatch {
  labelId: string;
  /** 1 - the share of differing bits over the frames both carry sound in, at the best offset. */
  similarity: number;
  /** Where the label's audio starts in the clip, seconds (negative: the clip starts inside it). */
  offset: number;
}

/**
 * At least this similarity is the same announcement. Measured with espeak-ng clips: the same one at
 * another level, offset, G.711-coded and with noise 0.85 to 0.97; different words, or the Kazakh
 * version of a Russian message, 0.53 to 0.58.
 */
export const MATCH_SIMILARITY = 0.72;
/** The compared frames must cover this share of the shorter one's sound... */
const MIN_COVERAGE = 0.6;
/** ...and at least this many frames (0.8 s); a label needs as much sound. */
export const MIN_SOUND_FRAMES = 50;

const POP = Uint8Array.from({ length: 1 << 15 }, (_, i) => {
  let n = 0;
  for (let v = i; v; v &= v - 1) n++;
  return n;
});

/** Compares two fingerprints at every offset; the best similarity and its offset, or null if they never overlap enough. */
export function compareFingerprints(a: Uint16Array, b: Uint16Array): { similarity: number; offset: number } | null {
  const soundA = countVoiced(a);
  const soundB = countVoiced(b);
  const need = Math.max(MIN_SOUND_FRAMES, Math.ceil(MIN_COVERAGE * Math.min(soundA, soundB)));
  if (soundA < need || soundB < need) return null;
  let best: { similarity: number; offset: number } | null = null;
  // offset = index in `a` where `b` starts.
  for (let offset = -(b.length - 1); offset < a.length; offset++) {
    const from = Math.max(0, offset);
    const to = Math.min(a.length, offset + b.length);
    if (to - from < need) continue;
    let frames = 0;
    let diff = 0;
    for (let i = from; i < to; i++) {
      const wa = a[i] as number;
      const wb = b[i - offset] as number;
      if (!(wa & wb & VOICED)) continue;
      frames++;
      diff += POP[(wa ^ wb) & 0x7fff] as number;
    }
    if (frames < need) continue;
    const similarity = 1 - diff / (frames * 15);
    if (!best || similarity > best.similarity) best = { similarity, offset };
  }
  return best;
}

/** The label whose announcement `fp` contains (or is contained in), best first; null when none reaches MATCH_SIMILARITY. */
export function matchAnnouncement(fp: string, labels: readonly AnnouncementLabelRef[]): AnnouncementMatch | null {
  const clip = decode(fp);
  if (!clip) return null;
  let best: AnnouncementMatch | null = null;
  for (const label of labels) {
    const ref = decode(label.fingerprint);
    if (!ref) continue;
    const r = compareFingerprints(clip, ref);
    if (!r || r.similarity < MATCH_SIMILARITY) continue;
    if (!best || r.similarity > best.similarity) best = { labelId: label.id, similarity: Math.round(r.similarity * 1000) / 1000, offset: Math.round(r.offset * FRAME_SECONDS * 1000) / 1000 };
  }
  return best;
}

function countVoiced(f: Uint16Array): number {
  let n = 0;
  for (let i = 0; i < f.length; i++) if ((f[i] as number) & VOICED) n++;
  return n;
}

// The transform's tables, computed once: bit-reversed order and the twiddle factors.
const REV = Uint16Array.from({ length: FFT_SIZE }, (_, i) => {
  let r = 0;
  for (let b = 1, k = FFT_SIZE >> 1; k; b <<= 1, k >>= 1) if (i & b) r |= k;
  return r;
});
const COS = Float64Array.from({ length: FFT_SIZE / 2 }, (_, k) => Math.cos((-2 * Math.PI * k) / FFT_SIZE));
const SIN = Float64Array.from({ length: FFT_SIZE / 2 }, (_, k) => Math.sin((-2 * Math.PI * k) / FFT_SIZE));

/** In-place radix-2 FFT of FFT_SIZE points. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = FFT_SIZE;
  for (let i = 0; i < n; i++) {
    const j = REV[i] as number;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const cr = COS[k * step] as number;
        const ci = SIN[k * step] as number;
        const p = i + k;
        const q = p + half;
        const ar = re[q] as number;
        const ai = im[q] as number;
        const tr = ar * cr - ai * ci;
        const ti = ar * ci + ai * cr;
        re[q] = (re[p] as number) - tr;
        im[q] = (im[p] as number) - ti;
        re[p] = (re[p] as number) + tr;
        im[p] = (im[p] as number) + ti;
      }
    }
  }
}
