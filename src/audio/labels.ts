// Operators' labels of recorded announcements: "this clip is Kcell's 'switched off' message, class
// unavailable". The rules live here (what a label must say, one label per announcement); the rows in
// src/store/announcements.ts. A labelled clip is kept under the data folder's clips/labels/, outside
// clip retention, so its fingerprint can always be recomputed.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OUTCOMES, type Outcome } from '../domain.ts';
import { SqliteAnnouncementRepository, type AnnouncementRepository, type RemoveResult } from '../store/announcements.ts';
import type { DB } from '../store/db.ts';
import { Queries } from '../store/queries.ts';
import type { AnnouncementLabelHistoryRow, AnnouncementLabelRow } from '../store/rows.ts';
import type { AnnouncementLabel } from './analyse.ts';
import { clipNamed, clipsOf, CLIPS_DIR, readClip } from './clips.ts';
import { compareFingerprints, decode, fingerprint, fingerprintFrames, MATCH_SIMILARITY, MIN_SOUND_FRAMES, FRAME_SECONDS } from './fingerprint.ts';
import { readWav, to8k, WavError, writeWav } from './wav.ts';

/** A label cannot say a recording is the center answering: only a person pressing a key can. */
export const LABEL_OUTCOMES = OUTCOMES.filter((o) => o !== 'reachable');

/** Bad input for a label; `field` names the parameter it is about. */
export class LabelInputError extends Error {
  override name = 'LabelInputError';
  readonly field: string;
  readonly conflict: boolean;
  constructor(field: string, message: string, conflict = false) {
    super(message);
    this.field = field;
    this.conflict = conflict;
  }
}

export interface LabelInput {
  name: string;
  carrier?: string | null;
  outcome: string;
  reason: string;
  /** The clip's WAV bytes. */
  wav: Uint8Array;
  /** Where the clip came from, for people: "probe 42 clip 0", "file kcell-off.wav". */
  source: string;
  by: string;
  at?: number;
}

export class Announcements {
  private readonly repo: AnnouncementRepository;
  private readonly dataDir: string;

  constructor(db: DB | AnnouncementRepository, dataDir: string) {
    this.repo = 'prepare' in db ? new SqliteAnnouncementRepository(db) : db;
    this.dataDir = dataDir;
  }

  /** The labels in force, as analyseAudio takes them. */
  labels(): AnnouncementLabel[] {
    return this.repo.active().map((r) => ({ id: r.id, fingerprint: r.fingerprint, name: r.name, outcome: r.outcome, reason: r.reason }));
  }

  list(includeRemoved = false): AnnouncementLabelRow[] {
    return this.repo.list(includeRemoved);
  }

  byId(id: string): AnnouncementLabelRow | undefined {
    return this.repo.byId(id);
  }

  history(labelId?: string): AnnouncementLabelHistoryRow[] {
    return this.repo.history(labelId);
  }

  verifyHistory(): { id: number; message: string } | null {
    return this.repo.verifyHistory();
  }

  /** Validates, fingerprints, keeps the clip and stores the label; LabelInputError names the field at fault. */
  async label(input: LabelInput): Promise<AnnouncementLabelRow> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw new LabelInputError('name', 'must be 1 to 100 characters, e.g. "Kcell: switched off".');
    const carrier = input.carrier?.trim() || null;
    if (carrier !== null && carrier.length > 60) throw new LabelInputError('carrier', 'must be at most 60 characters.');
    if (!(LABEL_OUTCOMES as readonly string[]).includes(input.outcome)) {
      throw new LabelInputError('outcome', `must be one of ${LABEL_OUTCOMES.join(', ')}, not ${JSON.stringify(input.outcome)} (a recording never shows the center answering, so not reachable).`);
    }
    if (!/^[a-z][a-z0-9_]{1,63}$/.test(input.reason)) {
      throw new LabelInputError('reason', `must be 2 to 64 lower-case letters, digits or _, starting with a letter (e.g. subscriber_switched_off), not ${JSON.stringify(input.reason)}.`);
    }
    let pcm: Int16Array;
    try {
      const w = readWav(input.wav);
      pcm = to8k(w.pcm, w.sampleRate);
    } catch (err) {
      if (err instanceof WavError) throw new LabelInputError('clip', `is not a WAV file reachwatch can read: ${err.message}`);
      throw err;
    }
    const frames = fingerprintFrames(pcm, 8000);
    let sound = 0;
    for (const w of frames) if (w & 0x8000) sound++;
    if (sound < MIN_SOUND_FRAMES) {
      throw new LabelInputError('clip', `has ${(sound * FRAME_SECONDS).toFixed(1)} s of sound; at least ${(MIN_SOUND_FRAMES * FRAME_SECONDS).toFixed(1)} s of the announcement is needed to recognise it.`);
    }
    const kept = writeWav(pcm, 8000, 'alaw');
    const sha256 = createHash('sha256').update(kept).digest('hex');
    const same = this.repo.activeByClip(sha256);
    if (same) throw new LabelInputError('clip', `is already labelled "${same.name}" (${same.id}); remove that label first to relabel it.`, true);
    for (const other of this.repo.active()) {
      const ref = decode(other.fingerprint);
      const r = ref ? compareFingerprints(frames, ref) : null;
      if (r && r.similarity >= MATCH_SIMILARITY) {
        throw new LabelInputError('clip', `is the announcement already labelled "${other.name}" (${other.id}, similarity ${r.similarity.toFixed(2)}); remove that label first to relabel it.`, true);
      }
    }
    const file = path.join(this.dataDir, CLIPS_DIR, 'labels', `${sha256}.wav`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, kept);
    const row = {
      id: `ann_${randomBytes(8).toString('hex')}`,
      name,
      carrier,
      outcome: input.outcome as Outcome,
      reason: input.reason,
      fingerprint: fingerprint(pcm, 8000),
      clip_sha256: sha256,
      seconds: Math.round((pcm.length / 8000) * 1000) / 1000,
      source: input.source,
      created_at: input.at ?? Date.now(),
      created_by: input.by,
    };
    try {
      this.repo.add(row);
    } catch (err) {
      // Another process labelled the same clip between the check above and this write.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new LabelInputError('clip', `was labelled meanwhile ("${this.repo.activeByClip(sha256)?.name ?? 'another label'}"); remove that label first to relabel it.`, true);
      }
      throw err;
    }
    return this.repo.byId(row.id) as AnnouncementLabelRow;
  }

  remove(id: string, by: string, at = Date.now()): RemoveResult {
    return this.repo.remove(id, at, by);
  }
}

/** The WAV bytes of clip `name` (a number, or early/answered) of probe `probeId`, checked against its hash; LabelInputError when there is none. */
export async function clipOfProbe(db: DB, dataDir: string, probeId: number, name: string): Promise<Uint8Array> {
  const probe = new Queries(db).probeEvidence(probeId);
  if (!probe) throw new LabelInputError('probe', `no probe ${probeId}.`);
  const evidence = JSON.parse(probe.evidence) as Record<string, unknown>;
  const ref = clipNamed(evidence, name);
  if (!ref) throw new LabelInputError('clip', `probe ${probeId} has ${describeClips(clipsOf(evidence).map((c) => c.name))}, not clip ${name}.`);
  const r = await readClip(dataDir, ref);
  if (!r.ok) throw new LabelInputError('clip', r.message, r.why !== 'pruned');
  return r.bytes;
}

/** "no clips", "clips 0 to 1", "clips early, answered". */
export function describeClips(names: string[]): string {
  if (names.length === 0) return 'no clips';
  if (names.every((n, i) => n === String(i))) return names.length === 1 ? 'clip 0 only' : `clips 0 to ${names.length - 1}`;
  return `clips ${names.join(', ')}`;
}
