// The status policy: evidence in, decision out (Checkmate's monitor-status-policy, kept pure).
// A channel's status changes only after N consecutive identical outcomes, as the 2018 protocol
// asked for at least three attempts before calling a number dead. Our own errors neither count
// nor break a streak: they say nothing about the center.

import type { ChannelStatus, Outcome } from '../domain.ts';

export interface StreakProbe {
  id: number;
  at: number;
  reason: string;
  detail: string;
  /** A record of several attempts (a manual record of several calls): when its first was made. */
  firstAt?: number;
}

export interface ChannelStatusState {
  status: ChannelStatus;
  statusSince: number | null;
  statusReason: string | null;
  streakOutcome: Outcome | null;
  streakCount: number;
  /** The first `confirmations` probes of the current streak: the evidence a change will cite. */
  streakProbes: StreakProbe[];
  /** Distinct time slots (local day + half-day) the current streak covers. */
  streakSlots: string[];
}

export interface StatusRules {
  /** Consecutive identical outcomes needed to change status (default 3). */
  confirmations: number;
  /**
   * The 2018 protocol: these outcomes are confirmed only when the streak also spans this many
   * distinct time slots (different days or half-days). One silent afternoon is not an outage.
   */
  spread?: { outcomes: Outcome[]; minSlots: number };
  /**
   * A person's answer to the call menu ("this is the center", "wrong number", "closed", "moved",
   * "call back later") is testimony, not a symptom: it needs this many consecutive answers instead
   * of `confirmations`. The 2018 researcher took one answer as the answer; silence she tried three times.
   */
  answers?: { reasons: readonly string[]; confirmations: number };
}

export interface ObservedProbe extends StreakProbe {
  outcome: Outcome;
  /** False for informational results (see Classification.confirming). */
  confirming?: boolean;
  /** Local day + half-day of the attempt, for the spread rule. */
  slot?: string;
  /** How many attempts this probe stands for (a manual record of several calls); absent means one. */
  attempts?: number;
  /** The slots of such a record's other known attempts (its first): the calls in between have no known time. */
  slots?: string[];
  /** The person asked never to be called again: the status becomes `opted_out` at once, for good. */
  optOut?: boolean;
}

export interface StatusChange {
  from: ChannelStatus;
  to: ChannelStatus;
  at: number;
  reason: string;
  probes: StreakProbe[];
}

export const INITIAL_STATE: ChannelStatusState = {
  status: 'unknown',
  statusSince: null,
  statusReason: null,
  streakOutcome: null,
  streakCount: 0,
  streakProbes: [],
  streakSlots: [],
};

export function applyProbe(
  state: ChannelStatusState,
  probe: ObservedProbe,
  rules: StatusRules,
): { state: ChannelStatusState; change: StatusChange | null } {
  if (state.status === 'opted_out') return { state, change: null };
  const { id, at, reason, detail } = probe;
  const entry: StreakProbe = { id, at, reason, detail, ...(probe.firstAt !== undefined ? { firstAt: probe.firstAt } : {}) };
  if (probe.optOut) {
    const change: StatusChange = { from: state.status, to: 'opted_out', at, reason, probes: [entry] };
    return { state: { ...INITIAL_STATE, status: 'opted_out', statusSince: at, statusReason: reason }, change };
  }
  if (probe.outcome === 'error' || probe.confirming === false) return { state, change: null };

  const continues = state.streakOutcome === probe.outcome;
  // A record of several calls counts as each of them, and covers the slots of those whose time is known.
  const streakCount = (continues ? state.streakCount : 0) + Math.max(1, probe.attempts ?? 1);
  const streakProbes =
    continues && state.streakProbes.length >= rules.confirmations
      ? state.streakProbes
      : [...(continues ? state.streakProbes : []), entry];
  let streakSlots = continues ? state.streakSlots : [];
  for (const slot of [...(probe.slots ?? []), ...(probe.slot ? [probe.slot] : [])]) {
    if (!streakSlots.includes(slot)) streakSlots = [...streakSlots, slot].slice(-16);
  }

  const next: ChannelStatusState = { ...state, streakOutcome: probe.outcome, streakCount, streakProbes, streakSlots };
  const spreadOk = !rules.spread?.outcomes.includes(probe.outcome) || streakSlots.length >= rules.spread.minSlots;

  // The streak is answers only while every probe in it is one (a no-answer then a "closed" is a new streak anyway).
  const answered = rules.answers !== undefined && streakProbes.every((p) => rules.answers?.reasons.includes(p.reason));
  const needed = answered && rules.answers ? rules.answers.confirmations : rules.confirmations;
  if (probe.outcome !== state.status && streakCount >= needed && spreadOk) {
    const change: StatusChange = { from: state.status, to: probe.outcome, at, reason, probes: streakProbes };
    // "Since" is when the streak began, not when it was confirmed: that is when people started failing.
    const since = streakProbes[0]?.firstAt ?? streakProbes[0]?.at ?? at;
    return { state: { ...next, status: probe.outcome, statusSince: since, statusReason: reason }, change };
  }
  if (probe.outcome === state.status) next.statusReason = reason;
  return { state: next, change: null };
}
