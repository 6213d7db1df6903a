// The speech-to-text hook with stand-in commands (small scripts written here; no model in CI): its
// transcript comes back and is matched against the Russian and Kazakh phrase lists; it runs without a
// shell (a path full of shell syntax is one argument and runs nothing); a hook that hangs is stopped
// at its timeout with whatever it started, one that fails or floods its output gives an error, and a
// clip over the size limit is never handed to it.

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { analyseAudio } from '../../src/audio/analyse.ts';
import { MAX_TRANSCRIPT_BYTES, transcribe, type SpeechHook } from '../../src/audio/speech.ts';
import { announcementVerdict } from '../../src/audio/verdict.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let cleanup: () => void;
let clip: string;

const script = (name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
};
const hook = (command: string[], over: Partial<SpeechHook> = {}): SpeechHook => ({ command, timeoutMs: 20_000, maxInputBytes: 1_000_000, ...over });

beforeAll(() => {
  const t = tempDir('reachwatch-speech-');
  dir = t.dir;
  cleanup = t.remove;
  clip = path.join(dir, 'clip.wav');
  writeFileSync(clip, Buffer.alloc(4000));
}, 30_000);

afterAll(() => cleanup?.());

describe('a stand-in speech hook', () => {
  test.each([
    ['Аппарат абонента выключен или находится вне зоны действия сети.', 'unavailable', 'subscriber_switched_off', 'ru_switched_off'],
    ['Абоненттің аппараты өшірулі немесе желінің қамту аймағынан тыс жерде', 'unavailable', 'subscriber_switched_off', 'kk_switched_off'],
    ['номер набран неверно', 'unavailable', 'number_dialled_wrong', 'ru_wrong_number'],
    ['Абонент уақытша қолжетімсіз', 'unavailable', 'subscriber_unavailable', 'kk_temporarily_unavailable'],
  ])('prints %j: the phrase lists classify it', async (said, outcome, reason, phrase) => {
    const stt = script(`stt-${phrase}.sh`, `test -f "$1" || exit 3\nprintf '%s\\n' '${said}'`);
    const heard = await transcribe(clip, hook([stt, '{wav}']));
    expect(heard).toEqual({ transcript: said });
    const analysis = analyseAudio(new Int16Array(8000), 8000, [], heard);
    expect(analysis.speech).toEqual(heard);
    const v = announcementVerdict(analysis);
    expect(v).toMatchObject({ outcome, reason });
    expect(v?.detail).toContain(`phrase ${phrase}`);
  });

  test('a person\'s words match no phrase', async () => {
    const stt = script('stt-person.sh', "echo 'Здравствуйте, центр слушает'");
    const heard = await transcribe(clip, hook([stt]));
    expect(heard).toEqual({ transcript: 'Здравствуйте, центр слушает' });
    expect(announcementVerdict(analyseAudio(new Int16Array(8000), 8000, [], heard))).toBeNull();
  });

  test('gets the path as one argument, never through a shell', async () => {
    const evil = path.join(dir, 'a clip; touch pwned $(touch pwned2) `touch pwned3`.wav');
    writeFileSync(evil, Buffer.alloc(100));
    const stt = script('stt-args.sh', 'printf "%s|" "$#" "$@"');
    // Without {wav} the path is appended.
    const heard = await transcribe(evil, hook([stt, '--lang', 'ru']));
    expect(heard).toEqual({ transcript: `3|--lang|ru|${evil}|` });
    for (const f of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(path.join(dir, f))).toBe(false);
  });

  test('sees none of the daemon\'s environment (its credentials), only PATH and LANG', async () => {
    process.env.TWILIO_AUTH_TOKEN_FOR_SPEECH_TEST = 'secret';
    try {
      const heard = await transcribe(clip, hook([script('stt-env.sh', 'env | sort | tr "\\n" " "')]));
      expect(heard).toMatchObject({ transcript: expect.stringContaining('LANG=C.UTF-8') });
      expect('transcript' in heard && heard.transcript).not.toContain('TWILIO');
      expect('transcript' in heard && heard.transcript.split(' ').filter((v) => /^[A-Z_]+=/.test(v) && !/^(PATH|LANG|PWD|SHLVL|_)=/.test(v))).toEqual([]);
    } finally {
      delete process.env.TWILIO_AUTH_TOKEN_FOR_SPEECH_TEST;
    }
  });

  test('a hook that hangs is stopped at its timeout, with what it started', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const stt = script('stt-hang.sh', `sh -c 'echo $$ > "${pidFile}"; exec sleep 60' &\nwhile [ ! -s "${pidFile}" ]; do sleep 0.05; done\nsleep 60`);
    const heard = await transcribe(clip, hook([stt], { timeoutMs: 1500 }));
    expect(heard).toMatchObject({ error: expect.stringMatching(/did not finish within 1500 ms \(audio.speech_timeout\)/) });
    // The hook's own child was in its process group and was killed with it (a zombie awaiting its reaper is dead too).
    const pid = readFileSync(pidFile, 'utf8').trim();
    const alive = () => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false; // gone
      }
    };
    await vi.waitFor(() => expect(alive()).toBe(false), { timeout: 20_000, interval: 50 });
  }, 60_000);

  test.each([
    ['fails', 'echo "model not found: /opt/vosk/ru" >&2; exit 2', /exited with 2: model not found: \/opt\/vosk\/ru/],
    ['floods', `head -c ${MAX_TRANSCRIPT_BYTES * 4} /dev/zero | tr '\\0' 'a'`, /printed more than 16384 bytes/],
  ])('a hook that %s gives an error, not a transcript', async (name, body, message) => {
    const heard = await transcribe(clip, hook([script(`stt-${name}.sh`, body)]));
    expect(heard).toMatchObject({ error: expect.stringMatching(message) });
    expect(announcementVerdict(analyseAudio(new Int16Array(8000), 8000, [], heard))).toBeNull();
  });

  test('a missing program, a clip over the size limit and a missing clip are errors; the hook is not run', async () => {
    expect(await transcribe(clip, hook([path.join(dir, 'no-such-stt')]))).toMatchObject({ error: expect.stringMatching(/could not be started \(ENOENT\)/) });
    const ran = path.join(dir, 'ran');
    const stt = script('stt-mark.sh', `touch "${ran}"; echo x`);
    expect(await transcribe(clip, hook([stt], { maxInputBytes: 1000 }))).toMatchObject({ error: expect.stringMatching(/is 4000 bytes, more than audio.speech_max_bytes \(1000\)/) });
    expect(await transcribe(path.join(dir, 'gone.wav'), hook([stt]))).toMatchObject({ error: expect.stringMatching(/cannot be read \(ENOENT\)/) });
    expect(existsSync(ran)).toBe(false);
  });
});
