// Clips kept as evidence: what a caller heard, stored under the data folder as G.711 A-law WAV at
// 8 kHz (8 KB a second, the coding the telephone network itself used, so nothing audible is lost and
// no codec beyond this file is needed), named by their SHA-256, which the probe's evidence carries so
// the hash chain covers the audio too. Small I/O pieces: keep, read back (checking the hash), prune.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Evidence } from '../domain.ts';
import { readWav, to8k, writeWav } from './wav.ts';

/** The folder of the data folder that holds clips, one subfolder per UTC day. */
export const CLIPS_DIR = 'clips';

/** A kept clip as a probe's evidence names it (in `evidence.clips`). */
export interface ClipRef {
  /** Relative to the data folder: clips/YYYY-MM-DD/<sha256>.wav. */
  path: string;
  /** Hex SHA-256 of the kept file's bytes. */
  sha256: string;
  bytes: number;
  seconds: number;
  /** True when the recording was longer than audio.clip_max_seconds and was cut. */
  cut: boolean;
  /** What the clip is of, in the prober's words (e.g. "early_media", "after_answer"). */
  kind: string;
}

/** Reads `wav` (PCM16 or G.711, any rate), keeps its first maxSeconds as A-law 8 kHz, and returns its reference. Throws WavError on a file it cannot read. */
export async function keepClip(dataDir: string, wav: Uint8Array, opts: { kind: string; maxSeconds: number; at?: number }): Promise<ClipRef> {
  const { pcm, sampleRate } = readWav(wav);
  const x = to8k(pcm, sampleRate);
  const max = Math.round(opts.maxSeconds * 8000);
  const cut = x.length > max;
  const bytes = writeWav(cut ? x.subarray(0, max) : x, 8000, 'alaw');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const day = new Date(opts.at ?? Date.now()).toISOString().slice(0, 10);
  const rel = path.posix.join(CLIPS_DIR, day, `${sha256}.wav`);
  const file = path.join(dataDir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  // Written aside, synced, then renamed: a clip named in committed evidence is whole or absent, never torn.
  // The aside name is this write's own: calls hearing the same announcement bit for bit keep the same
  // file at once, and a shared name let one rename the others' away (each rename then replaces the
  // file with the same bytes).
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await rename(tmp, file);
  return { path: rel, sha256, bytes: bytes.length, seconds: Math.round(((cut ? max : x.length) / 8000) * 1000) / 1000, cut, kind: opts.kind };
}

/** What reading a clip back needs of its reference: where it is, and the hash the evidence holds. */
export type StoredClip = Pick<ClipRef, 'path' | 'sha256'>;

const isStoredClip = (c: unknown): c is StoredClip =>
  typeof c === 'object' && c !== null && typeof (c as StoredClip).path === 'string' && /^[0-9a-f]{64}$/.test(String((c as StoredClip).sha256));

/**
 * The clips a probe's evidence names, each with the name the clip route takes: `evidence.clips` as a
 * list (named 0, 1, ...) or as named clips (`{early: {...}, answered: null}`, as the SIP prober's
 * evidence has them: named early, answered). Entries that are not clips (null, other shapes) are skipped.
 */
export function clipsOf(evidence: Evidence | Record<string, unknown>): { name: string; clip: StoredClip }[] {
  const clips = (evidence as { clips?: unknown }).clips;
  if (Array.isArray(clips)) return clips.flatMap((c, i) => (isStoredClip(c) ? [{ name: String(i), clip: c }] : []));
  if (typeof clips === 'object' && clips !== null) return Object.entries(clips).flatMap(([name, c]) => (isStoredClip(c) ? [{ name, clip: c }] : []));
  return [];
}

/** The clip called `name` (or, for named clips, the n-th one when `name` is a number); null when there is none. */
export function clipNamed(evidence: Evidence | Record<string, unknown>, name: string): StoredClip | null {
  const all = clipsOf(evidence);
  return all.find((c) => c.name === name)?.clip ?? (/^\d+$/.test(name) ? (all[Number(name)]?.clip ?? null) : null);
}

export type ClipRead = { ok: true; bytes: Buffer } | { ok: false; why: 'pruned' | 'altered' | 'outside'; message: string };

/** The clip's bytes, only if they still hash to what the evidence says. */
export async function readClip(dataDir: string, ref: StoredClip): Promise<ClipRead> {
  const root = path.resolve(dataDir);
  const file = path.resolve(dataDir, ref.path);
  // The path comes from stored evidence; it must still lead to a WAV file inside the data folder
  // (clips/ for kept clips, sip/<attempt>/ for the SIP prober's own), never to the database or beyond.
  if (!file.startsWith(root + path.sep) || !file.endsWith('.wav')) {
    return { ok: false, why: 'outside', message: `The clip path ${JSON.stringify(ref.path)} is not a WAV file inside the data folder.` };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ok: false, why: 'pruned', message: `The clip ${ref.path} is no longer kept (audio.clip_retention); the evidence keeps its SHA-256 ${ref.sha256}.` };
    }
    throw err;
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== ref.sha256) return { ok: false, why: 'altered', message: `The file ${ref.path} has SHA-256 ${sha}, not ${ref.sha256} as the probe's evidence says: it was changed after it was kept.` };
  return { ok: true, bytes };
}

/** The SIP prober's folder of call recordings (sip/<attempt>/early.wav, answered.wav); sip/prompts/ is its menu, never pruned. */
export const SIP_CALLS_DIR = 'sip';
const SIP_KEEP = new Set(['prompts']);

/**
 * Deletes clips older than `before` (ms): the day folders of clips/ (a day goes once it is entirely
 * before the cut-off), and the SIP prober's call folders whose newest file is older than the cut-off.
 * Labelled clips (clips/labels/) stay. Returns how many files went, and the folders.
 */
export async function pruneClips(dataDir: string, before: number): Promise<{ files: number; days: string[] }> {
  const cutoff = new Date(before).toISOString().slice(0, 10);
  let files = 0;
  const gone: string[] = [];
  const root = path.join(dataDir, CLIPS_DIR);
  for (const day of (await listDir(root)).sort()) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || day >= cutoff) continue;
    const dir = path.join(root, day);
    if (!(await stat(dir)).isDirectory()) continue;
    files += (await readdir(dir)).length;
    await rm(dir, { recursive: true, force: true });
    gone.push(day);
  }
  const calls = path.join(dataDir, SIP_CALLS_DIR);
  for (const attempt of (await listDir(calls)).sort()) {
    if (SIP_KEEP.has(attempt)) continue;
    const dir = path.join(calls, attempt);
    if (!(await stat(dir)).isDirectory()) continue;
    const entries = await readdir(dir);
    // A folder still being written (or written after the cut-off) has a newer file: it stays.
    const newest = Math.max((await stat(dir)).mtimeMs, ...(await Promise.all(entries.map(async (e) => (await stat(path.join(dir, e))).mtimeMs))));
    if (newest >= before) continue;
    files += entries.length;
    await rm(dir, { recursive: true, force: true });
    gone.push(path.posix.join(SIP_CALLS_DIR, attempt));
  }
  return { files, days: gone };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * A chore for the daemon's housekeeping timer: prunes clips past retention at most once a day. Returns
 * the pruning when it started one (it never rejects: a failure is logged and retried the next day), or null.
 */
export function clipHousekeeping(dataDir: string, retentionMs: number | null, log: Logger): (now?: number) => Promise<void> | null {
  let last = 0;
  let running = false;
  return (now = Date.now()) => {
    if (retentionMs === null || running || now - last < 86_400_000) return null;
    last = now;
    running = true;
    return pruneClips(dataDir, now - retentionMs)
      .then((r) => {
        if (r.files) log.info({ files: r.files, days: r.days }, 'pruned recorded clips past audio.clip_retention (their hashes stay in the evidence)');
      })
      .catch((err: unknown) => log.error({ err }, 'pruning recorded clips failed; will retry tomorrow'))
      .finally(() => {
        running = false;
      });
  };
}
