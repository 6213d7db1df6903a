// Every prober has the same shape (blackbox_exporter's ProbeFn): a target in, raw evidence out.
// A prober never throws for a failure of the target; it writes what happened into the evidence.
// Deciding what the evidence *means* is the classifier's job, so rules can change after the fact.

import type { Channel, ChannelType, Evidence, ProbeMethod } from '../domain.ts';

export interface ProbeContext {
  /** Aborts the probe when the daemon stops or the overall deadline passes. */
  signal: AbortSignal;
  /** When the scheduler wanted the probe to start (for records that outlive a restart). */
  dueAt?: number;
}

/** May this channel be probed now? Responsible calling answers here (hours, caps, opt-out, budget). */
export type GateDecision = { ok: true } | { ok: false; reason: string; detail: string; retryAt: number | null };

export interface Prober {
  /** The channel type this prober serves. */
  readonly channelType: ChannelType;
  readonly method: Exclude<ProbeMethod, 'manual'>;
  /** Key for per-host concurrency caps (the host name for websites, the provider for phones). */
  hostKey(channel: Channel): string;
  /** Probes in flight allowed for particular host keys (e.g. concurrent Twilio calls); others get the scheduler's default. */
  readonly hostLimits?: Readonly<Record<string, number>>;
  /** Asked just before each probe; a refusal skips the run (and may name when to try again). */
  gate?(channel: Channel, now: number): GateDecision;
  probe(channel: Channel, ctx: ProbeContext): Promise<Evidence>;
}

/** Probers by method; adding a probe method is adding a file that implements Prober. */
export type ProberSet = Partial<Record<Exclude<ProbeMethod, 'manual'>, Prober>>;
