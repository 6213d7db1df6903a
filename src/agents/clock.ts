// An agent's clock as the central sees it. Every request carries the agent's clock when it sent it
// (`agentTime`, or `sentAt` for a batch); the central compares it with its own clock when the request
// arrived. The estimate is agent − central, and it is low by the request's transit time (sending,
// the network, waiting for the event loop): at most the request's round trip, well under a second on
// any working link, against the limits of vantage.max_clock_offset (5 s) and refuse_clock_offset (5 min).

/** Agent clock minus central clock, in ms, from one request. */
export const clockOffsetOf = (agentTime: number, receivedAt: number): number => agentTime - receivedAt;

export type ClockVerdict =
  /** Within vantage.max_clock_offset: the agent's times are stored as they are. */
  | { kind: 'ok' }
  /** Beyond it: times are stored corrected (agent time − offset) and the probe flagged. */
  | { kind: 'corrected'; offsetMs: number }
  /** Beyond vantage.refuse_clock_offset: the batch is refused until the agent's clock is fixed. */
  | { kind: 'refused'; offsetMs: number };

export function judgeClock(offsetMs: number, limits: { maxClockOffsetMs: number; refuseClockOffsetMs: number }): ClockVerdict {
  const size = Math.abs(offsetMs);
  if (size > limits.refuseClockOffsetMs) return { kind: 'refused', offsetMs };
  if (size > limits.maxClockOffsetMs) return { kind: 'corrected', offsetMs };
  return { kind: 'ok' };
}
