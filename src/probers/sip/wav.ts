// 16-bit PCM WAV files: what the user agent records (libsndfile's dumps), read to be cut at the
// answer, and written back into memory for src/audio to keep as clips.

import { readFileSync } from 'node:fs';

export interface Pcm {
  samples: Int16Array;
  sampleRate: number;
}

/** Reads a mono or multi-channel 16-bit PCM WAV (first channel); null when the file is not one. */
export function readWav(file: string): Pcm | null {
  const b = readFileSync(file);
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') return null;
  let off = 12;
  let rate = 0;
  let channels = 1;
  let bits = 0;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    // A writer killed mid-call leaves the data chunk's size at 0 or too large: read what is there.
    let size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      channels = b.readUInt16LE(off + 10);
      rate = b.readUInt32LE(off + 12);
      bits = b.readUInt16LE(off + 22);
    } else if (id === 'data') {
      if (bits !== 16 || rate === 0) return null;
      if (size === 0 || off + 8 + size > b.length) size = b.length - off - 8;
      const frames = Math.floor(size / (2 * channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = b.readInt16LE(off + 8 + i * 2 * channels);
      return { samples, sampleRate: rate };
    }
    off += 8 + size + (size % 2);
  }
  return null;
}

export function wavBytes(pcm: Pcm): Buffer {
  const data = pcm.samples.length * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(pcm.sampleRate, 24);
  b.writeUInt32LE(pcm.sampleRate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  for (let i = 0; i < pcm.samples.length; i++) b.writeInt16LE(pcm.samples[i] as number, 44 + i * 2);
  return b;
}
