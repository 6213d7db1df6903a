// How a status is shown: one mapping from a center's or channel's status to a tone (the colour of
// its badge, its bar cells and its text), a symbol and the words, used by every public page. Pure:
// statuses in, decisions out. The tones are few on purpose, so that a badge, a bar and a sentence
// about the same center can be compared, and never contradict each other.

import type { ChannelStatus } from '../domain.ts';
import { DOWN_STATUSES, IMPAIRED_STATUSES, type CenterStatus } from '../status/center.ts';

/** up: answers; partial: alive but not fully helping; down: nobody answers; none: nothing known. */
export const TONES = ['up', 'partial', 'down', 'none'] as const;
export type Tone = (typeof TONES)[number];

export const TONE_SYMBOL: Record<Tone, string> = { up: '✓', partial: '◐', down: '✕', none: '?' };

/** What a channel's status line says: its tone and whether the latest attempt deserves its own note. */
export interface ChannelDisplay {
  tone: Tone;
  symbol: string;
  /**
   * The latest attempt, shown apart ("latest attempt: …") only when it tells the reader something the
   * status does not: a different verdict about the center. Our own failure and an attempt that could
   * not tell (inconclusive) never sit beside a confirmed status as if they were one.
   */
  latest: 'none' | 'differs';
}

export function channelTone(status: string): Tone {
  if (status === 'reachable') return 'up';
  if (DOWN_STATUSES.has(status as ChannelStatus)) return 'down';
  if (IMPAIRED_STATUSES.has(status as ChannelStatus)) return 'partial';
  return 'none';
}

export function channelDisplay(status: string, lastOutcome: string | null): ChannelDisplay {
  const tone = channelTone(status);
  const differs = lastOutcome !== null && lastOutcome !== status && lastOutcome !== 'error' && lastOutcome !== 'inconclusive' && channelTone(lastOutcome) !== 'none';
  return { tone, symbol: TONE_SYMBOL[tone], latest: differs ? 'differs' : 'none' };
}

/** A center status's own tone, where no channels are at hand (an incident's worst status). */
export function centerStatusTone(status: CenterStatus): Tone {
  return status === 'reachable' ? 'up' : status === 'partial' ? 'partial' : status === 'dark' ? 'down' : 'none';
}

/** The words a center's badge uses: its status, except where the status alone would mislead. */
export type CenterLabel = CenterStatus | 'not_checked' | 'going_dark';

export interface CenterDisplay {
  tone: Tone;
  symbol: string;
  label: CenterLabel;
}

/**
 * A center's badge from its status and its channels' statuses. `partial` covers two situations
 * the status machine keeps apart for alerting: a center with some line alive (partly reachable),
 * and one with no line known alive and some confirmed down (every line down within the dark grace
 * period, or down beside one that could not be checked): the second is shown as down, "not answering
 * (being confirmed)", since a yellow "partly reachable" over lines that all fail is false.
 * `unknown` before any check is "not checked yet", not "no data" as if it had been looked for.
 */
export function centerDisplay(status: CenterStatus, channels: { status: string; lastVerifiedAt: string | null; archived?: boolean }[]): CenterDisplay {
  const live = channels.filter((c) => !c.archived);
  const show = (tone: Tone, label: CenterLabel): CenterDisplay => ({ tone, symbol: TONE_SYMBOL[tone], label });
  switch (status) {
    case 'reachable':
      return show('up', 'reachable');
    case 'dark':
      return show('down', 'dark');
    case 'opted_out':
      return { tone: 'none', symbol: '⊘', label: 'opted_out' };
    case 'unknown':
      return show('none', live.some((c) => c.lastVerifiedAt !== null) ? 'unknown' : 'not_checked');
    case 'partial': {
      const tones = live.map((c) => channelTone(c.status));
      // Nothing known alive and some line down: nobody answers, whatever the last line may do.
      if (tones.includes('up') || tones.includes('partial') || !tones.includes('down')) return show('partial', 'partial');
      return show('down', 'going_dark');
    }
  }
}

export interface DayCounts {
  reachable: number;
  down: number;
  impaired: number;
}

/**
 * A day of the bar: up when (nearly) every counted attempt reached the center, down only when
 * none did and no line was even alive; a day whose lines answered but gave no help (busy, a
 * machine, "call back") is partial, never red; a day with nothing counted is none.
 */
export function dayTone(d: DayCounts): Tone {
  const counted = d.reachable + d.down + d.impaired;
  if (counted === 0) return 'none';
  if (d.reachable === counted) return 'up';
  if (d.reachable === 0 && d.impaired === 0) return 'down';
  return 'partial';
}

/** How an incident's end is said: never "closed: ongoing". */
export function incidentEnd(closedAt: string | null): 'closed' | 'ongoing' {
  return closedAt === null ? 'ongoing' : 'closed';
}
