// CPU time to analyse a call's 30 s of recorded audio: the special information tone, the
// fingerprint, and matching it against operators' labels. The clip is what a SIP line records when a
// network intercepts: 2 s of silence, the tone, an announcement spoken by espeak-ng (repeated to
// 30 s), with a little noise, G.711 A-law; the labels are the shipped phrase lists' texts, spoken.
// CPU time (process.cpuUsage) rather than wall time, so other load on the machine does not count.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { analyseAudio, type AnnouncementLabel } from '../../src/audio/analyse.ts';
import { fingerprint, matchAnnouncement } from '../../src/audio/fingerprint.ts';
import { ANNOUNCEMENT_PHRASES } from '../../src/audio/phrases.ts';
import { detectSit } from '../../src/audio/sit.ts';
import { readWav } from '../../src/audio/wav.ts';
import type { BenchOptions, BenchSection, SectionReport } from '../lib/section.ts';
import { lagSummary, renderTable } from '../lib/stats.ts';

const run = promisify(execFile);
const TARGET_MS = 50;

/** CPU milliseconds (user + system) that fn took. */
function cpuMs(fn: () => unknown): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

export const audioSection: BenchSection = {
  name: 'audio',
  title: 'Audio analysis: CPU time for a call\'s 30 s of audio (tone, fingerprint, labels)',
  async run(opts: BenchOptions): Promise<SectionReport> {
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-audio-'));
    try {
      const out8k = ['-r', '8000', '-c', '1', '-b', '16'];
      try {
        await Promise.all(
          ANNOUNCEMENT_PHRASES.map(async (p) => {
            await run('espeak-ng', ['-v', p.lang, '-w', path.join(dir, `${p.id}.raw.wav`), p.text]);
            await run('sox', [path.join(dir, `${p.id}.raw.wav`), ...out8k, path.join(dir, `${p.id}.wav`)]);
          }),
        );
      } catch (err) {
        return { name: 'audio', text: '', verdicts: [], data: {}, skipped: `espeak-ng and sox are needed to make the test audio (${(err as Error).message.split('\n')[0]}); they are in system-packages.txt.` };
      }
      const first = ANNOUNCEMENT_PHRASES[0]?.id as string;
      await run('sox', ['-R', '-n', ...out8k, path.join(dir, 'lead.wav'), 'trim', '0', '2']);
      await run('sox', ['-R', '-n', ...out8k, path.join(dir, 'sit.wav'), 'synth', '0.274', 'sine', '913.8', ':', 'synth', '0.274', 'sine', '1370.6', ':', 'synth', '0.38', 'sine', '1776.7']);
      await run('sox', ['-R', '-n', ...out8k, path.join(dir, 'noise.wav'), 'synth', '30', 'whitenoise', 'vol', '0.01']);
      const ann = path.join(dir, `${first}.wav`);
      await run('sox', [path.join(dir, 'lead.wav'), path.join(dir, 'sit.wav'), ...Array<string>(10).fill(ann), path.join(dir, 'long.wav'), 'trim', '0', '30']);
      await run('sox', ['-R', '-m', path.join(dir, 'long.wav'), path.join(dir, 'noise.wav'), '-e', 'a-law', path.join(dir, 'call.wav')]);
      const { pcm, sampleRate } = readWav(readFileSync(path.join(dir, 'call.wav')));
      const labels: AnnouncementLabel[] = ANNOUNCEMENT_PHRASES.map((p) => {
        const w = readWav(readFileSync(path.join(dir, `${p.id}.wav`)));
        return { id: p.id, fingerprint: fingerprint(w.pcm, w.sampleRate), name: p.text, outcome: p.outcome, reason: p.reason };
      });

      const runs = opts.quick ? 5 : 30;
      // Warm up the JIT first: a daemon analyses many calls, the first one's compile time is not the figure.
      for (let i = 0; i < 3; i++) analyseAudio(pcm, sampleRate, labels);
      const sit: number[] = [];
      const fp: number[] = [];
      const match: number[] = [];
      const whole: number[] = [];
      const tonesAndFp: number[] = [];
      let fpString = '';
      let found: ReturnType<typeof analyseAudio> | null = null;
      for (let i = 0; i < runs; i++) {
        const a = cpuMs(() => detectSit(pcm, sampleRate));
        const b = cpuMs(() => (fpString = fingerprint(pcm, sampleRate)));
        sit.push(a);
        fp.push(b);
        tonesAndFp.push(a + b);
        match.push(cpuMs(() => matchAnnouncement(fpString, labels)));
        whole.push(cpuMs(() => (found = analyseAudio(pcm, sampleRate, labels))));
      }
      const s = (xs: number[]) => lagSummary(xs);
      const ms = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} ms`);
      const rows = [
        ['special information tone', sit],
        ['fingerprint', fp],
        ['tone + fingerprint', tonesAndFp],
        [`match against ${labels.length} labels`, match],
        ['analyseAudio (all of it)', whole],
      ].map(([name, xs]) => [name as string, ms(s(xs as number[]).p50), ms(s(xs as number[]).max)]);
      const r = found as ReturnType<typeof analyseAudio> | null;
      const text = [
        `30 s of A-law audio at 8 kHz, ${runs} runs after a warm-up, CPU time of this process:`,
        renderTable(['step', 'median', 'max'], rows),
        `found: tone at ${r?.sit?.at ?? '—'} s; label ${r?.match?.labelId ?? '—'} (similarity ${r?.match?.similarity ?? '—'}); fingerprint ${r?.fingerprint.length ?? 0} characters`,
      ].join('\n');
      const p50 = s(tonesAndFp).p50 ?? Number.POSITIVE_INFINITY;
      return {
        name: 'audio',
        text,
        verdicts: [{ target: `tones and fingerprint of 30 s of audio < ${TARGET_MS} ms CPU (median)`, pass: p50 < TARGET_MS, measured: ms(p50) }],
        data: {
          runs,
          labels: labels.length,
          cpuMs: { sit: s(sit), fingerprint: s(fp), tonesAndFingerprint: s(tonesAndFp), match: s(match), analyse: s(whole) },
          found: { sitAt: r?.sit?.at ?? null, label: r?.match?.labelId ?? null, similarity: r?.match?.similarity ?? null },
        },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
