// Every prober has the same shape (blackbox_exporter's ProbeFn): a target in, raw evidence out.
// A prober never throws for a failure of the target; it writes what happened into the evidence.
// Deciding what the evidence *means* is the classifier's job, so rules can change after the fact.

import type { Channel, ChannelType, Evidence } from '../domain.ts';

export interface ProbeContext {
  /** Aborts the probe when the daemon stops or the overall deadline passes. */
  signal: AbortSignal;
}

export interface Prober {
  /** The channel type this prober serves. */
  readonly channelType: ChannelType;
  /** Key for per-host concurrency caps (the host name for websites). */
  hostKey(channel: Channel): string;
  probe(channel: Channel, ctx: ProbeContext): Promise<Evidence>;
}

/** Probers by channel type; adding a channel type is adding a file that implements Prober. */
export type ProberSet = Partial<Record<ChannelType, Prober>>;
