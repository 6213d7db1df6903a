// Clips kept as evidence: stored as A-law 8 kHz WAV named by their SHA-256 (which the evidence
// carries), cut at the configured length, read back only while their bytes still hash as the evidence
// says, never from outside the clips folder, and pruned by day after their retention, the labelled
// clips excepted.

import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clipHousekeeping, clipNamed, clipsOf, keepClip, pruneClips, readClip } from '../../src/audio/clips.ts';
import { readWav, WavError, writeWav } from '../../src/audio/wav.ts';
import { tempDir } from '../helpers/tmp.ts';

let dataDir: string;
let cleanup: () => void;
const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');

const wav16k = (seconds: number) => writeWav(Int16Array.from({ length: seconds * 16000 }, (_, i) => Math.round(8000 * Math.sin(i / 5))), 16000, 'pcm16');

beforeAll(() => {
  const t = tempDir('reachwatch-clips-');
  dataDir = path.join(t.dir, 'data');
  cleanup = t.remove;
});

afterAll(() => cleanup?.());

describe('keepClip', () => {
  test('stores A-law 8 kHz named by its SHA-256 under the day, and says so', async () => {
    const ref = await keepClip(dataDir, wav16k(3), { kind: 'early_media', maxSeconds: 30, at: T0 });
    expect(ref).toMatchObject({ path: `clips/2026-12-01/${ref.sha256}.wav`, seconds: 3, cut: false, kind: 'early_media' });
    const bytes = readFileSync(path.join(dataDir, ref.path));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(ref.sha256);
    expect(bytes.length).toBe(ref.bytes);
    expect(readWav(bytes)).toMatchObject({ coding: 'alaw', sampleRate: 8000, channels: 1 });
    expect(bytes.length).toBeLessThan(3 * 8000 + 100); // 8 KB a second
  });

  test('cuts a recording longer than the limit, and says it did', async () => {
    const ref = await keepClip(dataDir, wav16k(5), { kind: 'after_answer', maxSeconds: 2, at: T0 });
    expect(ref).toMatchObject({ seconds: 2, cut: true });
    expect(readWav(readFileSync(path.join(dataDir, ref.path))).pcm.length).toBe(16000);
  });

  test('the same recording kept by several calls at once: every call gets its clip (one file, named by its hash)', async () => {
    // Found by the SIP benchmark: a network announcement played bit-exact to 16 calls at once hashed
    // alike, and the calls shared one temporary name; all but one failed to rename theirs.
    const refs = await Promise.all(Array.from({ length: 16 }, () => keepClip(dataDir, wav16k(4), { kind: 'after_answer', maxSeconds: 30, at: T0 + 9 * DAY })));
    expect(new Set(refs.map((r) => r.path)).size).toBe(1);
    const bytes = readFileSync(path.join(dataDir, refs[0]!.path));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(refs[0]!.sha256);
    expect(readdirSync(path.dirname(path.join(dataDir, refs[0]!.path))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('refuses what is not a WAV file, keeping nothing', async () => {
    await expect(keepClip(dataDir, new TextEncoder().encode('nope'), { kind: 'x', maxSeconds: 30, at: T0 + 5 * DAY })).rejects.toThrow(WavError);
    expect(existsSync(path.join(dataDir, 'clips', '2026-12-06'))).toBe(false);
  });
});

describe('readClip', () => {
  test('serves the bytes while they hash as the evidence says; refuses them once changed', async () => {
    const ref = await keepClip(dataDir, wav16k(1), { kind: 'early_media', maxSeconds: 30, at: T0 });
    const ok = await readClip(dataDir, ref);
    expect(ok.ok).toBe(true);
    const file = path.join(dataDir, ref.path);
    const bytes = readFileSync(file);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    writeFileSync(file, bytes);
    expect(await readClip(dataDir, ref)).toMatchObject({ ok: false, why: 'altered', message: expect.stringContaining('was changed after it was kept') });
  });

  test('a clip path that leaves the data folder, or is not a WAV file, is never read', async () => {
    writeFileSync(path.join(dataDir, '..', 'outside.wav'), 'x');
    for (const p of ['../outside.wav', 'clips/../../outside.wav', 'reachwatch.db', '/etc/passwd']) {
      expect(await readClip(dataDir, { path: p, sha256: 'a'.repeat(64) }), p).toMatchObject({ ok: false, why: 'outside' });
    }
  });

  test('clipsOf reads the evidence\'s clips as a list or by name (the SIP prober\'s early and answered), skipping what is not a clip', () => {
    const good = { path: 'clips/2026-12-01/x.wav', sha256: 'b'.repeat(64), bytes: 1, seconds: 1, cut: false, kind: 'early_media' };
    expect(clipsOf({ method: 'sip', v: 1, clips: [good, { path: 3 }, null, { path: 'p', sha256: 'short' }] })).toEqual([{ name: '0', clip: good }]);
    const early = { path: 'sip/a1/early.wav', sha256: 'c'.repeat(64), durationMs: 4000 };
    const named = { method: 'sip', v: 1, clips: { early, answered: null } };
    expect(clipsOf(named)).toEqual([{ name: 'early', clip: early }]);
    expect(clipNamed(named, 'early')).toBe(early);
    expect(clipNamed(named, '0')).toBe(early);
    expect(clipNamed(named, 'answered')).toBeNull();
    expect(clipsOf({ method: 'http', v: 1 })).toEqual([]);
  });
});

describe('pruneClips', () => {
  test('removes whole days before the cut-off; the cut-off\'s day, later days and labelled clips stay; a pruned clip reads as pruned', async () => {
    const old = await keepClip(dataDir, wav16k(1), { kind: 'x', maxSeconds: 30, at: T0 - 40 * DAY });
    const edge = await keepClip(dataDir, wav16k(2), { kind: 'x', maxSeconds: 30, at: T0 - 30 * DAY });
    mkdirSync(path.join(dataDir, 'clips', 'labels'), { recursive: true });
    writeFileSync(path.join(dataDir, 'clips', 'labels', 'label.wav'), 'x');
    const r = await pruneClips(dataDir, T0 - 30 * DAY);
    expect(r).toEqual({ files: 1, days: ['2026-10-22'] });
    expect(await readClip(dataDir, old)).toMatchObject({ ok: false, why: 'pruned', message: expect.stringContaining(old.sha256) });
    expect((await readClip(dataDir, edge)).ok).toBe(true);
    expect(existsSync(path.join(dataDir, 'clips', 'labels', 'label.wav'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'clips', '2026-12-01'))).toBe(true);
  });

  test('the SIP prober\'s call folders go once their newest file is past the cut-off; its prompts stay', async () => {
    const dir = path.join(dataDir, 'sipdata');
    const make = (rel: string, mtime: number) => {
      const file = path.join(dir, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'x');
      utimesSync(file, mtime / 1000, mtime / 1000);
      utimesSync(path.dirname(file), mtime / 1000, mtime / 1000);
    };
    make('sip/old/early.wav', T0 - 40 * DAY);
    make('sip/old/answered.wav', T0 - 40 * DAY);
    make('sip/mixed/early.wav', T0 - 40 * DAY);
    make('sip/mixed/answered.wav', T0 - 10 * DAY);
    make('sip/prompts/menu-ru.wav', T0 - 400 * DAY);
    const r = await pruneClips(dir, T0 - 30 * DAY);
    expect(r).toEqual({ files: 2, days: ['sip/old'] });
    expect(existsSync(path.join(dir, 'sip/mixed/early.wav'))).toBe(true);
    expect(existsSync(path.join(dir, 'sip/prompts/menu-ru.wav'))).toBe(true);
  });

  test('a data folder without clips prunes nothing', async () => {
    expect(await pruneClips(path.join(dataDir, 'none'), Date.now())).toEqual({ files: 0, days: [] });
  });
});

describe('the daily chore', () => {
  const logger = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) });
    return { lines, log: pino({ level: 'info' }, stream) };
  };

  test('prunes past audio.clip_retention once, then not again within the day; logs what went', async () => {
    const dir = path.join(dataDir, 'chore');
    const { lines, log } = logger();
    const chore = clipHousekeeping(dir, 90 * DAY, log);
    const old = await keepClip(dir, wav16k(1), { kind: 'x', maxSeconds: 30, at: T0 - 100 * DAY });
    await chore(T0);
    expect((await readClip(dir, old)).ok).toBe(false);
    expect(lines.find((l) => l.msg === 'pruned recorded clips past audio.clip_retention (their hashes stay in the evidence)')).toMatchObject({ files: 1 });
    // Within the same day, nothing runs at all.
    const older = await keepClip(dir, wav16k(2), { kind: 'x', maxSeconds: 30, at: T0 - 100 * DAY });
    expect(chore(T0 + DAY - 1)).toBeNull();
    expect((await readClip(dir, older)).ok).toBe(true);
    await chore(T0 + DAY);
    expect((await readClip(dir, older)).ok).toBe(false);
  });

  test('"forever" never prunes; a failure is logged, not thrown', async () => {
    const { log } = logger();
    expect(clipHousekeeping(dataDir, null, log)(T0)).toBeNull();
    const failing = logger();
    const file = path.join(dataDir, 'not-a-folder');
    writeFileSync(file, 'x');
    mkdirSync(path.join(dataDir, 'f', 'clips'), { recursive: true });
    // A file where a day folder would be is left alone; a data folder that is a file cannot be
    // listed: that one failure is logged, and the chore still resolves.
    writeFileSync(path.join(dataDir, 'f', 'clips', '2020-01-01'), 'x');
    await clipHousekeeping(path.join(dataDir, 'f'), DAY, failing.log)(T0);
    await clipHousekeeping(file, DAY, failing.log)(T0);
    expect(failing.lines.filter((l) => l.msg === 'pruning recorded clips failed; will retry tomorrow')).toHaveLength(1);
  });
});
