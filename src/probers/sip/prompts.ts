// The audio a SIP call plays, made at first use and kept in the data folder: the confirmation menu,
// spoken by espeak-ng in Russian then Kazakh (the words are the Twilio menu's, src/i18n/calls.ts), and
// the silence played before the answer. baresip's aufile source ends the call at the end of its file,
// so each file is padded with silence past the longest wait it serves.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CALL_WORDS } from '../../i18n/calls.ts';
import { wavBytes } from './wav.ts';

const run = promisify(execFile);

/** The languages of the spoken menu, in the order they are played. */
export const PROMPT_LANGUAGES = ['ru', 'kk'] as const;

export function promptText(lang: (typeof PROMPT_LANGUAGES)[number]): string {
  const w = CALL_WORDS[lang];
  return w.menu(w.unnamedCenter);
}

const made = new Map<string, Promise<string>>();

/** The menu prompt, 8 kHz 16-bit mono, padded with silence to at least `minMs`. */
export function menuPrompt(dir: string, minMs: number): Promise<string> {
  const texts = PROMPT_LANGUAGES.map(promptText);
  const key = createHash('sha256').update(JSON.stringify([texts, minMs])).digest('hex').slice(0, 16);
  const file = path.join(dir, `menu-${key}.wav`);
  let p = made.get(file);
  if (!p) {
    p = makePrompt(dir, file, texts, minMs);
    made.set(file, p);
    p.catch(() => made.delete(file));
  }
  return p;
}

async function makePrompt(dir: string, file: string, texts: string[], minMs: number): Promise<string> {
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const parts: string[] = [];
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    for (const [i, lang] of PROMPT_LANGUAGES.entries()) {
      const part = `${file}.${lang}.${process.pid}.wav`;
      parts.push(part);
      await run('espeak-ng', ['-v', lang, '-w', part, texts[i] as string]);
    }
    await run('sox', [...parts, '-t', 'wav', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmp, 'pad', '0', String(minMs / 1000)]);
    renameSync(tmp, file);
  } finally {
    for (const p of [...parts, tmp]) rmSync(p, { force: true });
  }
  return file;
}

/** A silent 8 kHz WAV of `ms`, written once. */
export function silence(dir: string, ms: number): string {
  const file = path.join(dir, `silence-${ms}.wav`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    // The header of an empty WAV, its sizes set, then zeros: no per-sample loop, which for a long ring
    // timeout (tens of MB) would block the event loop for a second or more.
    const samples = Math.ceil((ms / 1000) * 8000);
    const head = wavBytes({ samples: new Int16Array(0), sampleRate: 8000 });
    head.writeUInt32LE(36 + samples * 2, 4);
    head.writeUInt32LE(samples * 2, 40);
    writeFileSync(tmp, Buffer.concat([head, Buffer.alloc(samples * 2)]));
    renameSync(tmp, file);
  }
  return file;
}
