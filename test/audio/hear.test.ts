// A recording from the prober to the evidence: kept, transcribed by the stand-in hook, analysed from
// the kept clip so the stored analysis can be recomputed exactly from the stored file, and judged:
// the operator's label, the transcript, the tone.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyseAudio } from '../../src/audio/analyse.ts';
import { hearClip } from '../../src/audio/hear.ts';
import { Announcements } from '../../src/audio/labels.ts';
import { announcementVerdict } from '../../src/audio/verdict.ts';
import { readWav } from '../../src/audio/wav.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { audioFactory, SWITCHED_OFF_RU, TEMPORARILY_RU, type AudioFactory } from '../helpers/audio.ts';
import { tempDir } from '../helpers/tmp.ts';

let a: AudioFactory;
let db: DB;
let dataDir: string;
let cleanup: () => void;
let stt: string;

beforeAll(async () => {
  const t = tempDir('reachwatch-hear-');
  cleanup = t.remove;
  a = audioFactory(t.dir);
  dataDir = path.join(t.dir, 'data');
  db = openDatabase(dataDir);
  await Promise.all([
    a.speak('off.wav', 'ru', SWITCHED_OFF_RU),
    a.speak('temp.wav', 'ru', TEMPORARILY_RU),
    a.sox(['-n', '-r', '8000', '-c', '1', '-b', '16', 'sit.wav', 'synth', '0.274', 'sine', '913.8', ':', 'synth', '0.274', 'sine', '1370.6', ':', 'synth', '0.38', 'sine', '1776.7']),
  ]);
  await a.sox(['sit.wav', 'temp.wav', '-r', '16000', 'early.wav']);
  stt = path.join(t.dir, 'stt.sh');
  writeFileSync(stt, `#!/bin/sh\necho 'Абонент временно недоступен. Пожалуйста, позвоните позже.'\n`);
  chmodSync(stt, 0o755);
}, 60_000);

afterAll(() => {
  db?.close();
  cleanup?.();
});

describe('hearClip', () => {
  test('keeps, transcribes and analyses; the stored analysis is recomputed exactly from the stored clip', async () => {
    const heard = await hearClip(dataDir, a.bytes('early.wav'), { kind: 'early_media', maxSeconds: 30, labels: [], speech: { command: [stt], timeoutMs: 20_000, maxInputBytes: 1_000_000 } });
    expect(heard.clip).toMatchObject({ kind: 'early_media', cut: false });
    expect(heard.analysis.sit?.tones.map((t) => t.hz)).toEqual([913.8, 1370.6, 1776.7]);
    expect(heard.analysis.speech).toEqual({ transcript: 'Абонент временно недоступен. Пожалуйста, позвоните позже.' });
    // What an auditor can do with the clip alone:
    const kept = readWav(readFileSync(path.join(dataDir, heard.clip.path)));
    expect(analyseAudio(kept.pcm, kept.sampleRate, [], heard.analysis.speech)).toEqual(heard.analysis);
    // The transcript wins over the tone.
    expect(announcementVerdict(heard.analysis)).toMatchObject({ outcome: 'unavailable', reason: 'subscriber_unavailable' });
  });

  test('with a label in force, the clip is classified by it; without a hook there is no speech', async () => {
    const announcements = new Announcements(db, dataDir);
    await announcements.label({ name: 'Beeline: switched off', outcome: 'unavailable', reason: 'subscriber_switched_off', wav: a.bytes('off.wav'), source: 'file off.wav', by: 'test' });
    const heard = await hearClip(dataDir, a.bytes('off.wav'), { kind: 'after_answer', maxSeconds: 30, labels: announcements.labels() });
    expect(heard.analysis).not.toHaveProperty('speech');
    expect(announcementVerdict(heard.analysis)).toMatchObject({ reason: 'subscriber_switched_off', detail: expect.stringContaining('"Beeline: switched off"') });
  });
});
