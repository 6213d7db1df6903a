// A channel's status across vantage points (docs/agents.md): each point keeps its own status with the
// same policy as a single daemon (applyProbe); this pure function combines them into the channel's
// status. No clock, no I/O: the store hands it each point's state and whether that point's agents
// are stale, and acts on the verdict.
//
// The rule, in the order it is applied:
// 1. A number that asked never to be called again (`opted_out`) stays so, whichever point heard it.
// 2. Only points that are not stale and reached a verdict (not unknown, not not_probed) count.
// 3. No point counts: the status stays what it was, as during our own outage ("no data from <point>").
// 4. Any counting point says reachable: the channel is reachable. When a domestic point says reachable
//    and a point abroad does not, it is flagged `geo_restricted`: it answers the people it serves.
// 5. Otherwise a failing status needs agreement: every counting point names it (quorum 0), or at least
//    `quorum` of them do (quorum > 0). No agreement: the status stays, flagged `points_disagree`.
// 6. A stale point's silence never turns a channel down: a failing verdict that a stale point's last
//    verdict contradicts does not replace the status (flagged `stale_hold`) until that point is heard
//    again or its agents are replaced. Good news (rule 4) needs no such wait.

import type { ChannelStatus } from '../domain.ts';

export const VANTAGE_FLAGS = ['geo_restricted', 'points_disagree', 'stale_hold'] as const;
export type VantageFlag = (typeof VANTAGE_FLAGS)[number];

/** One vantage point's view of a channel. */
export interface PointState {
  point: string;
  /** Inside the country the directory serves. */
  domestic: boolean;
  /** Every agent of the point is silent past vantage.stale_after (never true for `central`). */
  stale: boolean;
  /** The point's own status (applyProbe over its probes); `unknown` when it never reported. */
  status: ChannelStatus;
  since: number | null;
  reason: string | null;
}

/** The channel's combined status before this combination. */
export interface CombinedState {
  status: ChannelStatus;
  since: number | null;
  reason: string | null;
}

export interface CombinedVerdict extends CombinedState {
  flags: VantageFlag[];
  /** The point whose verdict the status is (its streak is the evidence of a change); null when the status stayed. */
  deciding: string | null;
  /** Points that say nothing now: stale, or without a verdict ("no data from <point>"). */
  noData: string[];
}

const NO_VERDICT: ReadonlySet<ChannelStatus> = new Set(['unknown', 'not_probed']);

export const hasVerdict = (s: PointState): boolean => !NO_VERDICT.has(s.status);

export function combineVantage(states: readonly PointState[], previous: CombinedState, quorum: number): CombinedVerdict {
  const noData = states.filter((s) => s.stale || !hasVerdict(s)).map((s) => s.point);
  const stay = (flags: VantageFlag[]): CombinedVerdict => ({ ...previous, flags, deciding: null, noData });
  const decided = (s: PointState, status: ChannelStatus, flags: VantageFlag[]): CombinedVerdict => ({
    status,
    // "Since" is when the channel entered the status: unchanged while it stays in it.
    since: previous.status === status ? previous.since : s.since,
    reason: s.reason,
    flags,
    deciding: s.point,
    noData,
  });

  const optedOut = states.find((s) => s.status === 'opted_out');
  if (optedOut) return decided(optedOut, 'opted_out', []);

  const counting = states.filter((s) => !s.stale && hasVerdict(s));
  if (counting.length === 0) return stay([]);

  const reachable = counting.filter((s) => s.status === 'reachable');
  if (reachable.length > 0) {
    const domesticUp = reachable.filter((s) => s.domestic);
    const geo = domesticUp.length > 0 && counting.some((s) => !s.domestic && s.status !== 'reachable');
    // The point that has answered longest decides (its streak is the evidence); a domestic one when flagged.
    const pool = geo ? domesticUp : reachable;
    return decided(earliest(pool), 'reachable', geo ? ['geo_restricted'] : []);
  }

  const groups = new Map<ChannelStatus, PointState[]>();
  for (const s of counting) groups.set(s.status, [...(groups.get(s.status) ?? []), s]);
  let agreed: PointState[] | null = null;
  if (quorum <= 0) agreed = groups.size === 1 ? counting : null;
  else {
    const big = [...groups.values()].filter((g) => g.length >= quorum).sort((a, b) => b.length - a.length);
    const top = big[0];
    if (top && !(big[1] && big[1].length === top.length)) agreed = top;
    // Two statuses tie at the quorum: keep the present one if it is one of them, else no agreement.
    else if (top) agreed = big.find((g) => g[0]?.status === previous.status) ?? null;
  }
  if (!agreed) return stay(['points_disagree']);
  const status = (agreed[0] as PointState).status;
  if (states.some((s) => s.stale && hasVerdict(s) && s.status !== status) && previous.status !== status) return stay(['stale_hold']);
  // Down everywhere since the last point began to fail: that point's streak is the evidence.
  return decided(latest(agreed), status, []);
}

function earliest(list: readonly PointState[]): PointState {
  return list.reduce((a, b) => ((b.since ?? Infinity) < (a.since ?? Infinity) ? b : a));
}

function latest(list: readonly PointState[]): PointState {
  return list.reduce((a, b) => ((b.since ?? -Infinity) > (a.since ?? -Infinity) ? b : a));
}

/** The flags as stored in channel_state.vantage_flags (null: none). */
export const flagsText = (flags: readonly VantageFlag[]): string | null => (flags.length ? flags.join(',') : null);
export const flagsOf = (text: string | null): VantageFlag[] =>
  text ? (text.split(',').filter((f): f is VantageFlag => (VANTAGE_FLAGS as readonly string[]).includes(f))) : [];
