// The special information tone (ITU-T E.180 Suppl. 2 / ANSI T1.401): three pure tones in ascending
// order, each 274 or 380 ms (E.180: 330 ms), that a network plays before an intercept announcement.
// The segment frequencies are the North American encoding's (913.8 or 985.2 Hz, then 1370.6 or
// 1428.5 Hz, then 1776.7 Hz) and E.180's (950, 1400, 1800 Hz). Goertzel filters on 20 ms
// blocks (10 ms apart) measure how much of each block's energy sits at each frequency: speech spreads
// its energy over harmonics and formants, a SIT segment puts nearly all of it on one frequency for a
// quarter of a second, three times, rising. Pure: samples in, a finding out.

import { to8k } from './wav.ts';

export interface SitTone {
  /** The nominal frequency the segment matched, Hz. */
  hz: number;
  /** Start, seconds from the start of the clip. */
  at: number;
  /** Length, seconds. */
  seconds: number;
}

export interface SitFinding {
  /** Start of the first segment, seconds from the start of the clip. */
  at: number;
  tones: [SitTone, SitTone, SitTone];
  /** 0..1: how purely the three segments held their frequency (1 = nothing else in the blocks). */
  confidence: number;
}

const RATE = 8000;
const BLOCK = 160; // 20 ms
const HOP = 80; // 10 ms
// E.180's own frequencies sit between the North American pairs; a 20 ms block's filter is too narrow
// (it keeps a tenth of the power 36 Hz away) to hear them through the nearest NA filter, so each has its own.
const FIRST = [913.8, 950, 985.2];
const SECOND = [1370.6, 1400, 1428.5];
const THIRD = [1776.7, 1800];
const FREQS = [...FIRST, ...SECOND, ...THIRD];
/** Share of a block's energy at one frequency for the block to count as that tone. */
const DOMINANCE = 0.55;
/** Segments shorter or longer than these are not SIT segments (274 and 380 ms nominal, with slack for block edges). */
const MIN_SEGMENT_S = 0.2;
const MAX_SEGMENT_S = 0.5;
/** Largest silence or smear between two segments. */
const MAX_GAP_S = 0.06;
/** Blocks quieter than this mean square (about -60 dBFS) are silence, whatever their spectrum. */
const SILENCE_MS = 32768 * 32768 * 1e-6;

const COEFFS = FREQS.map((f) => 2 * Math.cos((2 * Math.PI * f) / RATE));

/** Finds the first special information tone in `pcm`, or null. */
export function detectSit(pcm: Int16Array, sampleRate: number): SitFinding | null {
  const x = to8k(pcm, sampleRate);
  const blocks = Math.max(0, Math.floor((x.length - BLOCK) / HOP) + 1);
  // Per block: the index into FREQS of the dominating frequency (-1 for none) and its share.
  const tone = new Int8Array(blocks).fill(-1);
  const share = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const start = b * HOP;
    let energy = 0;
    for (let i = 0; i < BLOCK; i++) {
      const s = x[start + i] as number;
      energy += s * s;
    }
    if (energy / BLOCK < SILENCE_MS) continue;
    for (let f = 0; f < FREQS.length; f++) {
      const c = COEFFS[f] as number;
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < BLOCK; i++) {
        const s0 = (x[start + i] as number) + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      const power = s1 * s1 + s2 * s2 - c * s1 * s2;
      // A sine of amplitude A over N samples gives power (A·N/2)² and energy A²·N/2: the ratio is 1.
      const r = (2 * power) / (BLOCK * energy);
      if (r > (share[b] as number)) {
        share[b] = r;
        tone[b] = f;
      }
    }
    if ((share[b] as number) < DOMINANCE) tone[b] = -1;
  }
  // Runs of blocks on one frequency band (913.8 and 985.2 Hz are one band: a 20 ms block cannot tell them apart reliably).
  const band = (f: number) => (f < 0 ? -1 : f < FIRST.length ? 0 : f < FIRST.length + SECOND.length ? 1 : 2);
  const segments: { band: number; from: number; to: number; share: number; best: number[] }[] = [];
  for (let b = 0; b < blocks; ) {
    const k = band(tone[b] as number);
    if (k < 0) {
      b++;
      continue;
    }
    let e = b;
    let sum = 0;
    const votes = new Array<number>(FREQS.length).fill(0);
    while (e < blocks && band(tone[e] as number) === k) {
      sum += share[e] as number;
      votes[tone[e] as number] = (votes[tone[e] as number] as number) + (share[e] as number);
      e++;
    }
    segments.push({ band: k, from: b, to: e, share: sum / (e - b), best: votes });
    b = e;
  }
  const seconds = (s: { from: number; to: number }) => ((s.to - s.from - 1) * HOP + BLOCK) / RATE;
  const fits = (s: { from: number; to: number }) => seconds(s) >= MIN_SEGMENT_S && seconds(s) <= MAX_SEGMENT_S;
  const gapOk = (a: { to: number }, b: { from: number }) => ((b.from - a.to) * HOP) / RATE <= MAX_GAP_S;
  for (let i = 0; i + 2 < segments.length; i++) {
    const [a, b, c] = [segments[i]!, segments[i + 1]!, segments[i + 2]!];
    if (a.band !== 0 || b.band !== 1 || c.band !== 2) continue;
    if (!fits(a) || !fits(b) || !fits(c) || !gapOk(a, b) || !gapOk(b, c)) continue;
    const toneOf = (s: typeof a): SitTone => {
      const f = s.best.indexOf(Math.max(...s.best));
      return { hz: FREQS[f] as number, at: round3((s.from * HOP) / RATE), seconds: round3(seconds(s)) };
    };
    return { at: round3((a.from * HOP) / RATE), tones: [toneOf(a), toneOf(b), toneOf(c)], confidence: round3(Math.min(1, (a.share + b.share + c.share) / 3)) };
  }
  return null;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
