// The `audio` section validates itself: every bad value is one sentence with the file, line and key,
// and the defaults hold when nothing is said.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AUDIO_DEFAULTS } from '../../src/audio/config.ts';
import { buildConfig, ConfigError, loadConfig } from '../../src/config/config.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  const t = tempDir('reachwatch-audio-config-');
  dir = t.dir;
  cleanup = t.remove;
});
afterAll(() => cleanup?.());

const build = (audio: unknown) => buildConfig({ audio } as Record<string, unknown>, {}, null, (k) => k.join('.'), dir).audio;
const problems = (audio: unknown): string[] => {
  try {
    build(audio);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe('the audio section', () => {
  test('defaults: clips kept 90 days, at most 30 s, no speech hook', () => {
    expect(build(undefined)).toEqual(AUDIO_DEFAULTS);
    expect(AUDIO_DEFAULTS).toEqual({ clipRetentionMs: 90 * 86_400_000, clipMaxSeconds: 30, speech: null });
  });

  test('"none" is no hook, as leaving it out is', () => {
    expect(build({ speech_command: 'none' })).toEqual(AUDIO_DEFAULTS);
  });

  test('a speech hook as a list, with its limits', () => {
    expect(build({ clip_retention: 'forever', clip_max_seconds: 60, speech_command: ['/opt/stt/run', '--lang', 'ru', '{wav}'], speech_timeout: '10s', speech_max_bytes: 500000 })).toEqual({
      clipRetentionMs: null,
      clipMaxSeconds: 60,
      speech: { command: ['/opt/stt/run', '--lang', 'ru', '{wav}'], timeoutMs: 10_000, maxInputBytes: 500_000 },
    });
  });

  test.each([
    [{ clip_retention: '12h' }, 'audio.clip_retention: must be "forever" or a duration of at least 1d, such as 90d, not "12h".'],
    [{ clip_max_seconds: 0 }, 'audio.clip_max_seconds: must be a whole number from 1 to 300, not 0.'],
    [{ speech_command: '/opt/stt/run {wav}' }, 'audio.speech_command: must be "none" or a list of strings, the program first'],
    [{ speech_command: [] }, 'audio.speech_command: must be "none" or a list of strings'],
    [{ speech_timeout: 'soon' }, 'audio.speech_timeout: must be a duration'],
    [{ speech_command: ['x'], speech_max_bytes: 10 }, 'audio.speech_max_bytes: must be a whole number from 1000'],
    [{ speech_command: ['x'], speech_timeout: 'soon' }, 'audio.speech_timeout: must be a duration'],
    [{ speech: ['x'] }, 'audio.speech: unknown key "speech" in audio; known keys are clip_retention, clip_max_seconds, speech_command, speech_timeout, speech_max_bytes.'],
    ['yes', 'audio: must be a mapping of keys.'],
  ])('%j is refused: %s', (audio, message) => {
    const p = problems(audio);
    expect(p).toHaveLength(1);
    expect(p[0]).toContain(message);
  });

  test('in a file, the problem names the file and line', () => {
    const file = path.join(dir, 'reachwatch.yaml');
    writeFileSync(file, 'http: {port: 0}\naudio:\n  clip_retention: 2h\n');
    expect(() => loadConfig({}, file)).toThrow(`${file}:3 audio.clip_retention: must be "forever"`);
  });
});
