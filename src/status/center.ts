// A center's status from its channels' statuses: evidence in, decision out, no clock and no I/O.
// A center is what a person in need experiences: if any listed way to reach it works, it is not dark.

import type { ChannelStatus } from '../domain.ts';

export const CENTER_STATUSES = ['reachable', 'partial', 'dark', 'unknown', 'opted_out'] as const;
export type CenterStatus = (typeof CENTER_STATUSES)[number];

/** Confirmed statuses that mean nobody can be reached through this channel. */
export const DOWN_STATUSES: ReadonlySet<ChannelStatus> = new Set(['unavailable', 'wrong_number', 'closed', 'no_answer']);
/**
 * Confirmed statuses of a line that is alive but gave no help (busy, a machine, "call back later",
 * sent elsewhere): not down, not up. `inconclusive` (a 403 to robots) is no evidence either way.
 */
export const IMPAIRED_STATUSES: ReadonlySet<ChannelStatus> = new Set(['busy', 'voicemail', 'callback_requested', 'redirected']);

export interface ChannelView {
  id: string;
  type: string;
  status: ChannelStatus;
  /** When the streak behind the status began. */
  since: number | null;
  /** When the status was confirmed (the dark grace period counts from here). */
  confirmedAt: number | null;
  reason: string | null;
  /** False for channels without a usable target (a malformed number) or archived. */
  probeable: boolean;
}

export interface CenterView {
  status: CenterStatus;
  since: number;
  /** Every probeable channel has been confirmed down since then; null otherwise. */
  downSince: number | null;
}

export interface CenterRules {
  /** How long every channel must stay confirmed down before the center is dark. */
  darkAfterMs: number;
}

export interface CenterDecision extends CenterView {
  /** All channels are down but the grace period has not run out: shown as partial, not alerted as such. */
  pendingDark: boolean;
  /** When the pending-dark state becomes dark, if nothing changes (for the sweeper). */
  darkAt: number | null;
  /** Some channel is confirmed alive (reachable, or a live line that gave no help). */
  alive: boolean;
}

export function evaluateCenter(channels: ChannelView[], prev: CenterView | null, now: number, rules: CenterRules): CenterDecision {
  const alive = channels.some((c) => c.probeable && (c.status === 'reachable' || IMPAIRED_STATUSES.has(c.status)));
  const decide = (status: CenterStatus, downSince: number | null = null): CenterDecision => {
    const darkAt = downSince !== null && status !== 'dark' ? downSince + rules.darkAfterMs : null;
    return {
      status,
      since: prev && prev.status === status ? prev.since : now,
      downSince,
      pendingDark: status === 'partial' && downSince !== null,
      darkAt,
      alive,
    };
  };
  // Channels with nothing to say: not probeable, not probed here (telephony off), or opted out.
  const considered = channels.filter((c) => c.probeable && c.status !== 'not_probed' && c.status !== 'opted_out');
  if (considered.length === 0) {
    // Only a center that asked not to be called is "opted out"; one we cannot probe is unknown.
    return decide(channels.some((c) => c.status === 'opted_out') ? 'opted_out' : 'unknown');
  }
  const evidence = considered.filter((c) => c.status !== 'unknown' && c.status !== 'inconclusive');
  if (evidence.length === 0) return decide('unknown');

  if (considered.every((c) => DOWN_STATUSES.has(c.status))) {
    // The center went down when its last channel was confirmed down.
    const downSince = Math.max(...considered.map((c) => c.confirmedAt ?? c.since ?? now));
    // Once dark, it stays dark while every channel stays down (no flapping on a later confirmation).
    if (prev?.status === 'dark' || now - downSince >= rules.darkAfterMs) return decide('dark', downSince);
    return decide('partial', downSince);
  }
  if (evidence.every((c) => c.status === 'reachable')) return decide('reachable');
  return decide('partial');
}

/** What a center status change means for people subscribed to it. */
export type CenterEvent = 'went_dark' | 'partly_reachable' | 'recovered';

/** Whether an incident (a period of not being reachable) is open in this status. */
export const isIncidentStatus = (s: CenterStatus): boolean => s === 'partial' || s === 'dark';

/**
 * The alert a transition raises, if any. "Partly reachable" needs a channel known to be alive: a
 * center with one channel down and the rest not yet checked (or all down, in the grace period) is
 * not news yet; if it lasts, "went dark" follows.
 */
export function centerEvent(from: CenterStatus, to: CenterDecision, incidentOpen: boolean = isIncidentStatus(from)): CenterEvent | null {
  if (from === to.status) return null;
  if (to.status === 'dark') return 'went_dark';
  if (to.status === 'partial' && to.alive && (from === 'reachable' || from === 'dark' || from === 'unknown')) return 'partly_reachable';
  // An incident stays open through a spell of "unknown" (no evidence is not a recovery), so the
  // recovery is announced whenever the center is next confirmed reachable.
  if (to.status === 'reachable' && incidentOpen) return 'recovered';
  return null;
}

/** An incident closes when the center is confirmed reachable again, or asks never to be called. */
export const closesIncident = (s: CenterStatus): boolean => s === 'reachable' || s === 'opted_out';
