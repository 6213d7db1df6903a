// `reachwatch announcements label|list|remove|history|analyse`: operators' labels of recorded network
// announcements, on the database of the configured data folder (SQLite in WAL mode lets this run
// beside the daemon, which reads the labels for every clip it analyses).

import { EXIT } from './exit-codes.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyseAudio } from '../audio/analyse.ts';
import { Announcements, clipOfProbe, LABEL_OUTCOMES, LabelInputError } from '../audio/labels.ts';
import { announcementVerdict } from '../audio/verdict.ts';
import { readWav, WavError } from '../audio/wav.ts';
import { loadConfig } from '../config/config.ts';
import { DB_FILE_NAME, openDatabase } from '../store/db.ts';
import { renderTable } from './table.ts';

export const ANNOUNCEMENTS_USAGE = `Usage:
  reachwatch announcements label (<file.wav> | --probe <id> [--clip <n|name>]) --name <text> --outcome <class> --reason <reason> [--carrier <name>]
  reachwatch announcements list [--all]
  reachwatch announcements remove <id>
  reachwatch announcements history [<id>]
  reachwatch announcements analyse <file.wav>
Classes: ${LABEL_OUTCOMES.join(', ')}.
`;

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export async function announcementsCommand(args: string[], actor: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        probe: { type: 'string' },
        clip: { type: 'string' },
        name: { type: 'string' },
        outcome: { type: 'string' },
        reason: { type: 'string' },
        carrier: { type: 'string' },
        all: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
  } catch (e) {
    err.write(`reachwatch announcements: ${e instanceof Error ? e.message : String(e)}\n\n${ANNOUNCEMENTS_USAGE}`);
    return EXIT.usage;
  }
  const { values: v, positionals } = parsed;
  const usage = (message: string) => {
    err.write(`reachwatch announcements ${sub}: ${message}\n\n${ANNOUNCEMENTS_USAGE}`);
    return EXIT.usage;
  };
  if (sub === 'analyse') {
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) return usage('name one WAV file.');
    const wav = readWavFile(file, err);
    if (!wav) return EXIT.dataErr;
    const dataDir = loadConfig().dataDir;
    const db = existsSync(path.join(dataDir, DB_FILE_NAME)) ? openDatabase(dataDir) : null;
    try {
      const labels = db ? new Announcements(db, dataDir).labels() : [];
      const a = analyseAudio(wav.pcm, wav.sampleRate, labels);
      const verdict = announcementVerdict(a);
      out.write(`${file}: ${a.seconds} s\n`);
      out.write(`special information tone: ${a.sit ? `at ${a.sit.at} s (${a.sit.tones.map((t) => `${t.hz} Hz ${Math.round(t.seconds * 1000)} ms`).join(', ')}), confidence ${a.sit.confidence}` : 'none'}\n`);
      out.write(`label: ${a.match ? `"${a.match.name}" (${a.match.labelId}), similarity ${a.match.similarity}, at ${a.match.offset} s` : `none of ${labels.length} labels matches`}\n`);
      out.write(`verdict: ${verdict ? `${verdict.outcome}/${verdict.reason}: ${verdict.detail}` : 'nothing in it is a network announcement reachwatch knows'}\n`);
      return 0;
    } finally {
      db?.close();
    }
  }
  if (sub !== 'label' && sub !== 'list' && sub !== 'remove' && sub !== 'history') {
    err.write(`reachwatch announcements: ${sub === undefined ? 'name a subcommand' : `unknown subcommand "${sub}"`}.\n\n${ANNOUNCEMENTS_USAGE}`);
    return EXIT.usage;
  }
  const dataDir = loadConfig().dataDir;
  if (sub !== 'label' && !existsSync(path.join(dataDir, DB_FILE_NAME))) {
    out.write(`No database in ${dataDir} yet, so no labels.\n`);
    return sub === 'remove' ? 1 : 0;
  }
  const db = openDatabase(dataDir);
  const announcements = new Announcements(db, dataDir);
  try {
    switch (sub) {
      case 'label': {
        if (v.name === undefined || v.outcome === undefined || v.reason === undefined) return usage('give --name, --outcome and --reason.');
        if ((v.probe === undefined) === (positionals.length === 0) || positionals.length > 1) return usage('give either one WAV file or --probe <id>.');
        let wav: Uint8Array;
        let source: string;
        if (v.probe !== undefined) {
          const probe = Number(v.probe);
          const clip = v.clip ?? '0';
          if (!/^\d+$/.test(v.probe) || probe < 1) return usage(`--probe must be a probe id (a whole number), not "${v.probe}".`);
          if (!/^[a-z0-9_]{1,32}$/.test(clip)) return usage(`--clip must be a clip's number (0 = the first) or name (early, answered), not "${clip}".`);
          wav = await clipOfProbe(db, dataDir, probe, clip);
          source = `probe ${probe} clip ${clip}`;
        } else {
          const file = positionals[0] as string;
          try {
            wav = readFileSync(file);
          } catch (e) {
            err.write(`reachwatch announcements label: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)}).\n`);
            return EXIT.noInput;
          }
          source = `file ${path.basename(file)}`;
        }
        const label = await announcements.label({ name: v.name, carrier: v.carrier ?? null, outcome: v.outcome, reason: v.reason, wav, source, by: actor });
        out.write(`Labelled ${label.id}: "${label.name}" → ${label.outcome}/${label.reason} (${label.seconds} s, ${source}).\n`);
        out.write(`Clips whose audio matches it are classified ${label.outcome} from now on. Remove it with: reachwatch announcements remove ${label.id}\n`);
        return 0;
      }
      case 'list': {
        if (positionals.length > 0) return usage('takes no arguments but --all.');
        const list = announcements.list(v.all);
        if (list.length === 0) out.write(v.all ? 'No labels.\n' : 'No labels in force (--all shows removed ones).\n');
        else {
          const rows = list.map((l) => [l.id, l.name, l.carrier ?? '', `${l.outcome}/${l.reason}`, `${l.seconds} s`, iso(l.created_at), l.created_by, l.removed_at ? `removed ${iso(l.removed_at)} by ${l.removed_by}` : 'in force', l.source]);
          out.write(renderTable(['id', 'name', 'carrier', 'class', 'length', 'labelled', 'by', 'state', 'source'], rows));
        }
        return 0;
      }
      case 'remove': {
        const id = positionals[0];
        if (id === undefined || positionals.length > 1) return usage('name one label id (see reachwatch announcements list).');
        const r = announcements.remove(id, actor);
        if (r.result === 'not_found') {
          err.write(`reachwatch announcements remove: no label ${id} (see reachwatch announcements list).\n`);
          return 1;
        }
        if (r.result === 'already_removed') {
          err.write(`reachwatch announcements remove: ${id} ("${r.label.name}") was already removed at ${iso(r.label.removed_at)} by ${r.label.removed_by}.\n`);
          return 1;
        }
        out.write(`Removed ${id} ("${r.label.name}"): clips no longer match it; its history is kept.\n`);
        return 0;
      }
      case 'history': {
        if (positionals.length > 1) return usage('takes at most one label id.');
        const problem = announcements.verifyHistory();
        const rows = announcements.history(positionals[0]).map((h) => [String(h.id), iso(h.at), h.action, h.label_id, h.actor, h.hash.slice(0, 16)]);
        out.write(rows.length ? renderTable(['#', 'at', 'action', 'label', 'by', 'hash'], rows) : 'No history.\n');
        if (problem) {
          err.write(`reachwatch announcements history: the history was altered: ${problem.message}\n`);
          return 1;
        }
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof LabelInputError) {
      err.write(`reachwatch announcements ${sub}: ${e.field === 'clip' && v.probe === undefined ? positionals[0] : `--${e.field}`} ${e.message}\n`);
      // A flag's value is misuse; a clip or probe the data does not have is a data error.
      return e.conflict ? EXIT.problem : e.field === 'clip' || e.field === 'probe' ? EXIT.dataErr : EXIT.usage;
    }
    throw e;
  } finally {
    db.close();
  }
}

function readWavFile(file: string, err: NodeJS.WritableStream): { pcm: Int16Array; sampleRate: number } | null {
  try {
    return readWav(readFileSync(file));
  } catch (e) {
    if (e instanceof WavError) err.write(`reachwatch announcements analyse: ${file}: ${e.message}\n`);
    else err.write(`reachwatch announcements analyse: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)}).\n`);
    return null;
  }
}
