// Status changes that come from the registry or from this installation rather than from a probe: a
// channel whose target appeared or vanished, and a channel whose methods have no prober here (phones
// without telephony). Pure, like applyProbe beside it: the store's status writer applies the result
// and links any change into the status-change chain, so such a change is history like any other.
// (A separate file from policy.ts so parallel additions to status/ merge cleanly.)

import { INITIAL_STATE, type ChannelStatusState, type StatusChange } from './policy.ts';

/** The reason shown for a channel whose methods have no prober in this installation. */
export const NOT_CONFIGURED_REASON = 'not probed: telephony not configured';

export type ProbeabilityEvent =
  /** The registry gave the channel a target, or took it away: what was observed before no longer applies. */
  | { kind: 'target'; probeable: boolean }
  /**
   * Whether any of the channel's jobs can run: a prober here, or an agent of one of its vantage points
   * with the capability (only a channel with a target is asked). `reason` says what is missing
   * (absent: telephony not configured).
   */
  | { kind: 'prober'; available: boolean; reason?: string };

export function applyProbeability(state: ChannelStatusState, event: ProbeabilityEvent, at: number): { state: ChannelStatusState; change: StatusChange | null } {
  let next: ChannelStatusState;
  if (event.kind === 'target') {
    // The streak is about the old target: start again.
    next = { ...INITIAL_STATE, status: event.probeable ? 'unknown' : 'not_probed', statusSince: at };
  } else if (!event.available) {
    // Never hides an observed status: only a channel nothing was learnt about yet says "not probed".
    if (state.status !== 'unknown' && state.status !== 'not_probed') return { state, change: null };
    const reason = event.reason ?? NOT_CONFIGURED_REASON;
    if (state.status === 'not_probed' && state.statusReason === reason) return { state, change: null };
    next = { ...state, status: 'not_probed', statusReason: reason, statusSince: state.statusSince ?? at };
  } else {
    if (state.status !== 'not_probed') return { state, change: null };
    next = { ...state, status: 'unknown', statusReason: null, statusSince: at };
  }
  const change: StatusChange | null =
    next.status === state.status ? null : { from: state.status, to: next.status, at, reason: reasonOf(event), probes: [] };
  return { state: next, change };
}

function reasonOf(event: ProbeabilityEvent): string {
  if (event.kind === 'target') return event.probeable ? 'target_added' : 'no_target';
  return event.available ? 'prober_available' : (event.reason ?? NOT_CONFIGURED_REASON);
}
