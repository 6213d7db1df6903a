// The clip players of a center page, shown only to a signed-in operator, auditor or admin (the route
// decides who; this file only lists and renders). Each clip is played from /clips/{probe}/{n}, which
// checks the session and the clip's hash again.

import { clipsOf, type ClipRef } from '../audio/clips.ts';
import type { DB } from '../store/db.ts';
import { SqliteProbeClipRepository } from '../store/probe-clips.ts';
import type { CenterView } from '../store/queries.ts';
import { SESSION_WORDS } from '../i18n/session.ts';
import type { BoardWords } from '../i18n/board.ts';
import { esc, fmtTime } from './render.ts';

export interface ClipLine {
  probeId: number;
  channelId: string;
  startedAt: number;
  clips: { name: string; kind: string; seconds: number | null; sha256: string }[];
}

export class CenterClips {
  private readonly repo: SqliteProbeClipRepository;
  constructor(db: DB) {
    this.repo = new SqliteProbeClipRepository(db);
  }

  /** The center's recent probes with kept clips, newest first: of each channel's latest `scan` probes, at most `limit` in all. */
  recent(center: CenterView, limit = 20, scan = 50): ClipLine[] {
    const lines: ClipLine[] = [];
    for (const ch of center.channels) {
      for (const r of this.repo.recentWithClips(ch.id, scan)) {
        let evidence: Record<string, unknown>;
        try {
          evidence = JSON.parse(r.evidence) as Record<string, unknown>;
        } catch {
          continue;
        }
        const clips = clipsOf(evidence).map(({ name, clip }) => {
          const c = clip as Partial<ClipRef>;
          return { name, kind: typeof c.kind === 'string' ? c.kind : name, seconds: typeof c.seconds === 'number' ? c.seconds : null, sha256: clip.sha256 };
        });
        if (clips.length > 0) lines.push({ probeId: r.id, channelId: ch.id, startedAt: r.started_at, clips });
      }
    }
    return lines.sort((a, b) => b.startedAt - a.startedAt || b.probeId - a.probeId).slice(0, limit);
  }
}

/** The section of players, in the center's time zone `tz`; empty when there is no clip to play. */
export function renderClips(w: BoardWords, tz: string, center: CenterView, lines: ClipLine[]): string {
  if (lines.length === 0) return '';
  const s = SESSION_WORDS[w.lang];
  const names = new Map(center.channels.map((ch) => [ch.id, `${w.channelType[ch.type] ?? ch.type} ${ch.value}`]));
  const when = (t: number) => fmtTime(w, tz, t);
  const items = lines
    .map((l) => {
      const players = l.clips
        .map((c) => {
          const label = `${s.clipKind(c.kind)}${c.seconds === null ? '' : `, ${s.seconds(c.seconds)}`}`;
          return `<li><span class="clip-kind">${esc(label)}</span> <audio controls preload="none" src="/clips/${l.probeId}/${esc(c.name)}" aria-label="${esc(`${label}, ${when(l.startedAt)}`)}"></audio> <code title="SHA-256">${esc(c.sha256.slice(0, 12))}</code></li>`;
        })
        .join('');
      return `<li><p><time datetime="${new Date(l.startedAt).toISOString()}">${esc(when(l.startedAt))}</time> · ${esc(names.get(l.channelId) ?? l.channelId)}</p><ul class="clip-list">${players}</ul></li>`;
    })
    .join('\n');
  return `<section aria-labelledby="clips-h"><h2 id="clips-h">${esc(s.clips)}</h2><p class="fine">${esc(s.clipsIntro)}</p>
<ol class="clips">${items}</ol></section>`;
}
