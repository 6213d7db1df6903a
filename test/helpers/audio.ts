// Test audio made on the spot, never committed: announcements spoken by espeak-ng (Russian and Kazakh
// voices) and tones and noise from sox, converted to what a SIP line records (8 kHz mono, 16-bit PCM
// or G.711). Noise is generated with sox's repeatable mode (-R), so every run hears the same clip.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface AudioFactory {
  dir: string;
  /** espeak-ng `voice` saying `text`, as 8 kHz mono 16-bit PCM WAV; returns its path. */
  speak(name: string, voice: 'ru' | 'kk', text: string, opts?: { speed?: number }): Promise<string>;
  /** Runs sox with these arguments (in `dir`); returns the output path (the last argument before effects is the caller's business). */
  sox(args: string[]): Promise<void>;
  /** A file's bytes. */
  bytes(name: string): Uint8Array;
  path(name: string): string;
}

export function audioFactory(dir: string): AudioFactory {
  const p = (name: string) => path.join(dir, name);
  return {
    dir,
    path: p,
    async speak(name, voice, text, opts = {}) {
      const raw = p(`${name}.espeak.wav`);
      await run('espeak-ng', ['-v', voice, ...(opts.speed ? ['-s', String(opts.speed)] : []), '-w', raw, text]);
      await run('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', p(name)]);
      return p(name);
    },
    async sox(args) {
      await run('sox', ['-R', ...args], { cwd: dir });
    },
    bytes: (name) => readFileSync(p(name)),
  };
}

export const SWITCHED_OFF_RU = 'Аппарат абонента выключен или находится вне зоны действия сети';
export const WRONG_NUMBER_RU = 'Номер набран неверно. Проверьте правильность набора номера';
export const TEMPORARILY_RU = 'Абонент временно недоступен. Пожалуйста, позвоните позже';
export const SWITCHED_OFF_KK = 'Абоненттің аппараты өшірулі немесе желінің қамту аймағынан тыс жерде';
export const GREETING_RU = 'Здравствуйте, реабилитационный центр Шапагат, слушаю вас';
