// WAV files as the SIP prober records them (8 kHz mono, 16-bit PCM or G.711 A-law/µ-law), read into
// 16-bit samples, and written back as G.711 A-law for keeping (8 KB a second, the telephone network's
// own coding, so nothing a caller could hear is lost). Pure: bytes in, samples out.

export interface Pcm {
  pcm: Int16Array;
  sampleRate: number;
}

export type WavCoding = 'pcm16' | 'alaw' | 'ulaw';

/** A WAV file we cannot read; the message names the field and its byte offset. */
export class WavError extends Error {
  override name = 'WavError';
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Reads a RIFF/WAVE file: PCM 16-bit, A-law or µ-law; several channels are mixed down to one. */
export function readWav(bytes: Uint8Array): Pcm & { coding: WavCoding; channels: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new WavError('not a WAV file: bytes 0-11 must be "RIFF", a size and "WAVE".');
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  let data: Uint8Array | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    // Recorders that stream write 0 or 0xFFFFFFFF as the data size: the data runs to the end.
    const end = Math.min(bytes.length, size === 0 || size === 0xffffffff ? bytes.length : body + size);
    if (id === 'fmt ') {
      if (end - body < 16) throw new WavError(`the "fmt " chunk at byte ${at} is ${end - body} bytes long; at least 16 are needed.`);
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && end - body >= 26) format = view.getUint16(body + 24, true); // the sub-format GUID's first two bytes
      fmt = { format, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      data = bytes.subarray(body, end);
      if (fmt) break;
    }
    at = body + size + (size % 2); // chunks are padded to an even length
    if (size === 0xffffffff) break;
  }
  if (!fmt) throw new WavError('the WAV file has no "fmt " chunk before its end.');
  if (!data) throw new WavError('the WAV file has no "data" chunk.');
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 8) throw new WavError(`the "fmt " chunk says ${channels} channels; 1 to 8 are read.`);
  if (rate < 4000 || rate > 192_000) throw new WavError(`the "fmt " chunk says a sample rate of ${rate} Hz; 4000 to 192000 are read.`);
  let coding: WavCoding;
  let width: number;
  if (format === FORMAT_PCM && bits === 16) [coding, width] = ['pcm16', 2];
  else if (format === FORMAT_ALAW && bits === 8) [coding, width] = ['alaw', 1];
  else if (format === FORMAT_ULAW && bits === 8) [coding, width] = ['ulaw', 1];
  else throw new WavError(`the "fmt " chunk says format ${format} with ${bits} bits a sample; only 16-bit PCM (1), A-law (6) and µ-law (7), 8 bits, are read.`);
  const frames = Math.floor(data.length / (width * channels));
  const pcm = new Int16Array(frames);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const k = i * channels + c;
      sum += coding === 'pcm16' ? dv.getInt16(k * 2, true) : coding === 'alaw' ? ALAW_DECODE[data[k] as number]! : ULAW_DECODE[data[k] as number]!;
    }
    pcm[i] = Math.round(sum / channels);
  }
  return { pcm, sampleRate: rate, coding, channels };
}

/** A mono WAV file of `pcm` in the given coding (the bytes a clip is kept as). */
export function writeWav(pcm: Int16Array, sampleRate: number, coding: WavCoding = 'alaw'): Uint8Array {
  const width = coding === 'pcm16' ? 2 : 1;
  const dataBytes = pcm.length * width;
  const fmtBytes = coding === 'pcm16' ? 16 : 18; // non-PCM formats carry a cbSize field
  const factBytes = coding === 'pcm16' ? 0 : 12;
  const out = new Uint8Array(12 + 8 + fmtBytes + factBytes + 8 + dataBytes + (dataBytes % 2));
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, fmtBytes, true);
  v.setUint16(20, coding === 'pcm16' ? FORMAT_PCM : coding === 'alaw' ? FORMAT_ALAW : FORMAT_ULAW, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * width, true);
  v.setUint16(32, width, true);
  v.setUint16(34, width * 8, true);
  let at = 36;
  if (coding !== 'pcm16') {
    v.setUint16(at, 0, true);
    at += 2;
    put(at, 'fact');
    v.setUint32(at + 4, 4, true);
    v.setUint32(at + 8, pcm.length, true);
    at += 12;
  }
  put(at, 'data');
  v.setUint32(at + 4, dataBytes, true);
  at += 8;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i] as number;
    if (coding === 'pcm16') v.setInt16(at + i * 2, s, true);
    else out[at + i] = coding === 'alaw' ? alawEncode(s) : ulawEncode(s);
  }
  return out;
}

// G.711 (ITU-T G.711, the reference algorithm as in Sun's public g711.c).

function alawDecode(a: number): number {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function ulawDecode(u: number): number {
  u = ~u & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

const ALAW_DECODE = Int16Array.from({ length: 256 }, (_, i) => alawDecode(i));
const ULAW_DECODE = Int16Array.from({ length: 256 }, (_, i) => ulawDecode(i));
const A_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const U_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const segmentOf = (v: number, ends: number[]) => {
  for (let i = 0; i < ends.length; i++) if (v <= (ends[i] as number)) return i;
  return ends.length;
};

export function alawEncode(sample: number): number {
  let pcm = sample >> 3;
  let mask = 0xd5;
  if (pcm < 0) {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segmentOf(pcm, A_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f);
  return aval ^ mask;
}

export function ulawEncode(sample: number): number {
  let pcm = sample >> 2;
  let mask = 0xff;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  }
  pcm = Math.min(pcm, 8159) + (0x84 >> 2);
  const seg = segmentOf(pcm, U_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0f)) ^ mask;
}

/** `pcm` at 8 kHz, the rate every analysis works at (telephone audio has nothing above 4 kHz). */
export function to8k(pcm: Int16Array, rate: number): Int16Array {
  if (rate === 8000) return pcm;
  const ratio = rate / 8000;
  const n = Math.floor(pcm.length / ratio);
  const out = new Int16Array(n);
  // A box filter as wide as the ratio keeps most of what lies above 4 kHz from folding back.
  const w = Math.max(1, Math.round(ratio));
  for (let i = 0; i < n; i++) {
    const start = Math.floor(i * ratio);
    let sum = 0;
    let k = 0;
    for (; k < w && start + k < pcm.length; k++) sum += pcm[start + k] as number;
    out[i] = Math.round(sum / Math.max(1, k));
  }
  return out;
}
