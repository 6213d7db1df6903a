// One row type per table, exactly as SQLite returns a `SELECT *` of it (INTEGER as number, TEXT as
// string, JSON columns as their text). Repositories select subsets with Pick<> of these, so a column
// is named and typed in one place. A second storage engine returns the same shapes.
//
// Imports: only leaf modules of constants (alerts/channel.ts, i18n/languages.ts, domain.ts), never a module that uses the store,
// so the store stays below everything that depends on it.

import type { AlertChannelKind, AlertEvent, AttemptOutcome } from '../alerts/channel.ts';
import type { Language } from '../i18n/languages.ts';
import type { ChannelStatus, Outcome } from '../domain.ts';

/** `centers`: the registry's centers, archived rather than deleted. */
export interface CenterRow {
  id: string;
  name: string;
  kind: string;
  city: string | null;
  region: string | null;
  tz: string | null;
  /** The registry record as JSON, verbatim. */
  record: string;
  record_hash: string;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
}

/** `channels`: a center's phone numbers and websites; `ref` is the compact key probes use. */
export interface ChannelRow {
  ref: number;
  id: string;
  center_id: string;
  type: string;
  value: string;
  target: string | null;
  unprobeable_reason: string | null;
  /** JSON of the channel's probe options. */
  options: string;
  position: number;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
}

/** `channel_state`: a channel's current status and the scheduler's memory. */
export interface ChannelStateRow {
  channel_ref: number;
  status: ChannelStatus;
  status_since: number | null;
  status_reason: string | null;
  status_confirmed_at: number | null;
  streak_outcome: Outcome | null;
  streak_count: number;
  /** JSON: the first probes of the streak. */
  streak_probes: string;
  /** JSON: the call slots of the streak. */
  streak_slots: string;
  last_probe_id: number | null;
  last_probe_at: number | null;
  last_outcome: Outcome | null;
  last_reason: string | null;
  last_detail: string | null;
  last_flags: string | null;
  last_verified_at: number | null;
  last_reachable_at: number | null;
  next_due_at: number | null;
  /** Flags of the combination across vantage points, comma-separated (src/status/vantage.ts); null for a central-only channel. */
  vantage_flags: string | null;
}

/** `vantage_state`: one vantage point's own view of a channel probed from several (channel_state holds their combination). */
export interface VantageStateRow {
  channel_ref: number;
  vantage: string;
  status: ChannelStatus;
  status_since: number | null;
  status_reason: string | null;
  streak_outcome: Outcome | null;
  streak_count: number;
  streak_probes: string;
  streak_slots: string;
  last_probe_id: number | null;
  last_probe_at: number | null;
  last_outcome: Outcome | null;
  last_reason: string | null;
  last_detail: string | null;
  last_flags: string | null;
  last_verified_at: number | null;
  last_reachable_at: number | null;
  last_agent_id: string | null;
}

/** `probes`: one row per attempt, with its raw evidence (JSON) and its place in the hash chain. */
export interface ProbeRow {
  id: number;
  channel_ref: number;
  started_at: number;
  due_at: number;
  duration_ms: number;
  method: string;
  outcome: string;
  reason: string;
  flags: string | null;
  classifier_version: number;
  evidence: string;
  hash: string | null;
  prev_hash: string | null;
  /** The vantage point of an agent's probe (NULL: the central's own); the evidence's `vantage` block says the same. */
  vantage: string | null;
  agent_id: string | null;
}

/** `status_changes`: the hash-chained log of channel status changes, `not_probed` included. */
export interface StatusChangeRow {
  id: number;
  channel_ref: number;
  at: number;
  from_status: string;
  to_status: string;
  reason: string | null;
  /** JSON: the ids of the confirming probes. */
  probe_ids: string;
  /** JSON: the outcome, reason and detail of each confirming probe. */
  evidence: string;
  hash: string | null;
  prev_hash: string | null;
}

/** `center_state`: a center's current status, derived from its channels. */
export interface CenterStateRow {
  center_id: string;
  status: string;
  since: number;
  down_since: number | null;
  incident_id: number | null;
  reminded_at: number | null;
  updated_at: number;
}

/** `incidents`: one period in which a center was partly reachable or dark. */
export interface IncidentRow {
  id: number;
  center_id: string;
  opened_at: number;
  closed_at: number | null;
  status: string;
  worst_status: string;
  went_dark_at: number | null;
  /** JSON: the channels and their confirming probes. */
  open_evidence: string;
  close_evidence: string | null;
  close_reason: string | null;
  maintenance_id: number | null;
}

/** `center_status_changes`: the hash-chained log of center status changes. */
export interface CenterStatusChangeRow {
  id: number;
  center_id: string;
  at: number;
  from_status: string;
  to_status: string;
  incident_id: number | null;
  maintenance_id: number | null;
  evidence: string;
  hash: string | null;
  prev_hash: string | null;
}

/** `maintenance_windows`: planned closures of a center or a region. */
export interface MaintenanceWindowRow {
  id: number;
  config_key: string | null;
  center_id: string | null;
  region: string | null;
  starts_at: number;
  ends_at: number;
  reason: string;
  created_by: string;
  created_at: number;
  cancelled_at: number | null;
}

/** `subscriptions`: who is told what, and how (config ones mirrored). */
export interface SubscriptionRow {
  id: string;
  source: 'config' | 'api';
  channel: AlertChannelKind;
  /** JSON DeliveryTarget. */
  target: string;
  language: Language;
  /** JSON filters. */
  filters: string;
  created_by: string;
  created_at: number;
  disabled_at: number | null;
}

export type OutboxStatusValue = 'pending' | 'sending' | 'sent' | 'failed' | 'suppressed';

/** `outbox`: one alert to one subscription, claimed and retried until delivered or given up. */
export interface OutboxRow {
  id: string;
  dedupe_key: string;
  subscription_id: string;
  channel: string;
  event: AlertEvent;
  center_id: string | null;
  incident_id: number | null;
  /** JSON AlertMessage, rendered at enqueue time. */
  message: string;
  status: OutboxStatusValue;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  suppressed_by: string | null;
}

/** `outbox_attempts`: every delivery attempt of an outbox row (not a phone call: see call_attempts). */
export interface OutboxAttemptRow {
  outbox_id: string;
  attempt: number;
  at: number;
  duration_ms: number;
  /** 1 when delivered (kept beside `outcome` for older readers). */
  ok: number;
  outcome: AttemptOutcome;
  permanent: number;
  detail: string;
}

/** `api_tokens`: one per person or system; only the secret's SHA-256 is kept. */
export interface ApiTokenRow {
  id: string;
  name: string;
  role: 'operator' | 'auditor' | 'admin';
  hash: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** `registry_syncs`: each mirror of the registry file into the database. */
export interface RegistrySyncRow {
  id: number;
  at: number;
  file: string;
  file_sha256: string;
  added: number;
  updated: number;
  archived: number;
  restored: number;
}

/** `center_days`: per center and local day, the outcome counts behind the board's bar. */
export interface CenterDayRow {
  center_id: string;
  day: string;
  probes: number;
  reachable: number;
  down: number;
  impaired: number;
  inconclusive: number;
  errors: number;
}

/** `channel_hours`: per channel and hour, the outcome counts behind the board's windows. */
export interface ChannelHourRow {
  channel_ref: number;
  hour: number;
  probes: number;
  reachable: number;
  down: number;
  impaired: number;
  inconclusive: number;
  errors: number;
}

/** `call_attempts`: one outbound test call, from the moment before calls.create until its probe is stored. */
export interface CallAttemptRow {
  id: string;
  channel_ref: number;
  number: string;
  due_at: number;
  started_at: number;
  call_sid: string | null;
  status: string;
  final_at: number | null;
  estimated_cost: number;
  /** JSON TwilioErrorFacts when calls.create failed. */
  create_error: string | null;
  probe_id: number | null;
}

/** `call_events`: every webhook applied to a call attempt, once per key (a duplicate delivery is a no-op). */
export interface CallEventRow {
  attempt_id: string;
  /** e.g. status:3 (SequenceNumber), amd, gather:1, record, fetch:completed. */
  key: string;
  received_at: number;
  /** JSON: the form parameters Twilio sent. */
  params: string;
}

/** `opt_outs`: numbers that asked never to be called again, or were opted out by an operator; permanent. */
export interface OptOutRow {
  number: string;
  at: number;
  channel_ref: number | null;
  /** 'key_9' | 'speech' | 'operator' */
  via: string;
  attempt_id: string | null;
  note: string | null;
}

/** `job_slots`: the scheduler's memory of each job's next slot, so a restart neither replays nor skips one. */
export interface JobSlotRow {
  job_id: string;
  channel_ref: number;
  next_slot_at: number;
}

/**
 * `agent_jobs`: one slot of a job of a non-central vantage point (`<channel>#<method>@<point>`), opened
 * by the central scheduler, leased by an agent of the point, closed by its result. `done_at` set with
 * `probe_id` NULL: the slot expired unprobed (missed).
 */
export interface AgentJobRow {
  id: number;
  job_id: string;
  channel_ref: number;
  method: string;
  vantage: string;
  slot_at: number;
  expires_at: number;
  agent_id: string | null;
  lease_until: number | null;
  leases: number;
  done_at: number | null;
  probe_id: number | null;
}

/** `self_check_periods`: when reachwatch itself was degraded, and why. */
export interface SelfCheckPeriodRow {
  id: number;
  started_at: number;
  ended_at: number | null;
  /** JSON: [{check, detail}] */
  reasons: string;
}

/** `announcement_labels`: a recorded network announcement an operator labelled (removed, never deleted). */
export interface AnnouncementLabelRow {
  id: string;
  name: string;
  carrier: string | null;
  outcome: Outcome;
  reason: string;
  fingerprint: string;
  clip_sha256: string;
  seconds: number;
  source: string;
  created_at: number;
  created_by: string;
  removed_at: number | null;
  removed_by: string | null;
}

/** `announcement_label_history`: each label and removal, hash-linked (chain.ts's encoding). */
export interface AnnouncementLabelHistoryRow {
  id: number;
  label_id: string;
  at: number;
  action: 'label' | 'remove';
  actor: string;
  /** The label's row as JSON, after the action. */
  record: string;
  hash: string;
  prev_hash: string;
}

/** `agents`: one enrolled (or enrollable) regional agent (migrations/0008_vantage_points.sql). */
export interface AgentRow {
  id: string;
  name: string;
  vantage: string;
  token_hash: string;
  public_key: string | null;
  /** JSON array of capabilities. */
  capabilities: string;
  version: string | null;
  created_at: number;
  created_by: string;
  enrolled_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  last_seen_at: number | null;
  queue_depth: number | null;
  oldest_queued_at: number | null;
  clock_offset_ms: number | null;
  last_batch_seq: number;
  stale_since: number | null;
}

/** `agent_batches`: one ingested batch of results. */
export interface AgentBatchRow {
  agent_id: string;
  batch_id: string;
  seq: number;
  received_at: number;
  results: number;
  stored: number;
  duplicates: number;
}

/** A board session (migration 0010): the cookie's id only as its SHA-256, the token only as its id. */
export interface BoardSessionRow {
  id_hash: string;
  token_id: string;
  csrf: string;
  created_at: number;
  seen_at: number;
}
