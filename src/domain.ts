// The vocabulary every layer shares: centers, channels, probes, outcomes.
// Kept free of I/O so that the registry, probers, classifier, store and API agree on one meaning.

export const CHANNEL_TYPES = ['website', 'phone'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/**
 * What one probe attempt found, in the researcher's words (thesis Appendix 1).
 * `error` means *our* side failed (network, account, disk): it never counts against a center.
 */
export const OUTCOMES = [
  'reachable',
  'no_answer',
  'busy',
  'unavailable',
  'wrong_number',
  'closed',
  'redirected',
  'callback_requested',
  'voicemail',
  'inconclusive',
  'error',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Flags qualify an outcome without changing it: a slow site is still reachable. */
/** `clock_corrected`: an agent's result whose times were corrected for its clock offset (docs/agents.md). */
export const OUTCOME_FLAGS = ['slow', 'cert_expiring', 'tls_invalid_ignored', 'https_downgrade', 'clock_corrected'] as const;
export type OutcomeFlag = (typeof OUTCOME_FLAGS)[number];

/** A channel's status is the outcome confirmed by N consecutive probes, or one of these. */
export const CHANNEL_STATUSES = [...OUTCOMES.filter((o) => o !== 'error'), 'unknown', 'not_probed', 'opted_out'] as const;
/** `opted_out`: the number asked never to be called again; permanent. */
export type ChannelStatus = Exclude<Outcome, 'error'> | 'unknown' | 'not_probed' | 'opted_out';

/** How a channel is probed. `manual` is recorded by a person through the API, never scheduled. */
export const PROBE_METHODS = ['http', 'lookup', 'call', 'manual'] as const;
export type ProbeMethod = (typeof PROBE_METHODS)[number];

export interface Classification {
  outcome: Outcome;
  /** Machine-readable reason, e.g. `http_500`, `dns_not_found`, `parked_page`. */
  reason: string;
  /** A sentence a person can read on the board or in an alert. */
  detail: string;
  flags: OutcomeFlag[];
  /**
   * False for informational results that say nothing about reachability (a Lookup finding the number
   * valid): they neither confirm nor break a status streak. Absent means true. `error` never confirms.
   */
  confirming?: false;
  /**
   * How many attempts the evidence stands for, when more than one (a manual record of several calls):
   * they count towards a status streak and in every availability figure. Absent means one.
   */
  attempts?: number;
}

/** A center as loaded from the registry (the YAML record keeps every other field in `record`). */
export interface Center {
  id: string;
  name: string;
  kind: string;
  city: string | null;
  region: string | null;
  tz: string | null;
  probe: boolean;
  channels: Channel[];
  /** The whole registry record, kept verbatim so nothing the compilers noted is lost. */
  record: Record<string, unknown>;
  /** 1-based line of the record in the registry file, for messages. */
  line: number;
}

export interface Channel {
  /** Stable id derived from center id, type and normalised target (see registry/channel-id.ts). */
  id: string;
  centerId: string;
  type: ChannelType;
  /** Exactly as written in the source. */
  value: string;
  /** What a prober dials or fetches: E.164 for phones, an absolute URL for websites; null if unprobeable. */
  target: string | null;
  /** Why the channel cannot be probed (malformed number, short code...), or null. */
  unprobeableReason: string | null;
  /** Per-channel options from the registry (expect_text, schedule, insecure...). */
  options: ChannelOptions;
  line: number;
}

export interface ChannelOptions {
  /** Text that must appear in the first 64 KB of the page; its absence means `closed`. */
  expectText?: string;
  /** Accept an invalid certificate (flagged, not failed). */
  insecure?: boolean;
  /** Overrides the schedule for this one channel: `5m`, `1h` or a cron expression. */
  schedule?: string;
  /** Overrides the probe methods of the channel type (phones: lookup and call by default). */
  methods?: ProbeMethod[];
  /** The vantage points that probe it (`central` and/or configured points); absent: vantage.defaults for its type. */
  vantage?: string[];
}

/**
 * Who made a probe, when it was not this daemon: an agent of a vantage point (docs/agents.md). The
 * same block is stored in the probe's evidence as `vantage`, so the hash chain covers it.
 */
export interface ProbeVantage {
  /** The vantage point, e.g. `kz`. */
  point: string;
  agentId: string;
  /** Central time the result was ingested. */
  receivedAt: number;
  /** The agent's Ed25519 signature over the result (src/agents/protocol.ts resultPayload). */
  signature: string;
  /** Agent clock minus central clock when it exceeded vantage.max_clock_offset: the times were corrected by it. */
  clockOffsetMs?: number;
  /**
   * The start time the agent sent (its clock), kept when the stored `startedAt` was corrected by
   * `clockOffsetMs`: the signature covers the agent's own time, so `verify --signatures` needs it.
   */
  agentStartedAt?: number;
}

/** Raw evidence of one attempt. Each prober defines its own shape; it is stored verbatim as JSON. */
export interface Evidence {
  /** Which prober produced it; selects the classifier. */
  method: string;
  /** Schema version of this evidence shape. */
  v: number;
  [key: string]: unknown;
}

/** One probe as handed from prober to store. */
export interface ProbeRecord {
  channelId: string;
  /** The scheduled job that produced it (`<channel>#<method>`), or null for manual and ad-hoc probes. */
  jobId?: string | null;
  /** Local day and half-day of the attempt in the center's zone (the 2018 protocol's "time slot"). */
  slot?: string;
  /**
   * For a record standing for several attempts (Classification.attempts): when the first was made and
   * its slot. `startedAt` and `slot` are the last attempt's.
   */
  first?: { at: number; slot?: string };
  dueAt: number;
  startedAt: number;
  durationMs: number;
  evidence: Evidence;
  classification: Classification;
  /** Absent for the central daemon's own probes. */
  vantage?: ProbeVantage;
}
