// Every prober has the same shape (blackbox_exporter's ProbeFn): a target in, raw evidence out.
// A prober never throws for a failure of the target; it writes what happened into the evidence.
// Deciding what the evidence *means* is the classifier's job, so rules can change after the fact.
// Long probes (a phone call lasts minutes and outlives a restart) add what they need through the
// optional members below; the monitor uses them without knowing which kind of prober it runs.
// docs/probers.md says how to add one.

import type { Channel, ChannelStatus, ChannelType, Classification, Evidence, ProbeMethod } from '../domain.ts';

export interface ProbeContext {
  /** Aborts the probe when the daemon stops or the overall deadline passes. */
  signal: AbortSignal;
  /** When the scheduler wanted the probe to start (for records that outlive a restart). */
  dueAt?: number;
}

/**
 * May this channel be probed now? Responsible calling answers here (hours, caps, opt-out, budget).
 * `alarm` marks a refusal the operator must hear about (a spend cap stops every call): the monitor
 * logs it once and shows it as this prober being stopped until a probe runs again.
 */
export type GateDecision = { ok: true } | { ok: false; reason: string; detail: string; retryAt: number | null; alarm?: string };

/** A probe a previous run left in flight, finished after the restart: stored and classified like any other. */
export interface RecoveredProbe {
  channelId: string;
  dueAt: number;
  startedAt: number;
  durationMs: number;
  evidence: Evidence;
}

export interface RecoveryContext {
  /** Aborted when the daemon stops: unfinished work stays for the next start. */
  signal: AbortSignal;
  /** Stores one finished probe; resolves once it is committed. */
  store(probe: RecoveredProbe): Promise<unknown>;
}

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
  /** The longest one probe may take before it is aborted (absent: the configured default). */
  readonly deadlineMs?: number;
  /** A job with no remembered slot (a new channel) first runs within this many ms, not at its first slot. */
  readonly firstRunWithinMs?: number;
  /** Inside the transaction that stores this prober's result: tie the prober's own record to the probe. */
  linkProbe?(evidence: Evidence, probeId: number): void;
  /** After a result is stored: run the job again in this many ms instead of at its next slot, or null. */
  followUp?(result: Classification, status: ChannelStatus): number | null;
  /** Finishes the probes a previous run left in flight, storing each as soon as it is known. */
  recover?(ctx: RecoveryContext): Promise<void>;
}

/** Probers by method; adding a probe method is adding a file that implements Prober. */
export type ProberSet = Partial<Record<Exclude<ProbeMethod, 'manual'>, Prober>>;
