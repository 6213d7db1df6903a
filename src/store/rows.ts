// One row type per table, as SQLite returns it. Only the tables whose SQL has moved into src/store
// are here so far; the others join as their SQL moves.

import type { ChannelStatus, Outcome } from '../domain.ts';

export interface ChannelStateRow {
  channel_ref: number;
  status: ChannelStatus;
  status_since: number | null;
  status_reason: string | null;
  streak_outcome: Outcome | null;
  streak_count: number;
  /** JSON: StreakProbe[] */
  streak_probes: string;
  /** JSON: string[] */
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
  status_confirmed_at: number | null;
}

export interface JobSlotRow {
  job_id: string;
  channel_ref: number;
  next_slot_at: number;
}

export interface SelfCheckPeriodRow {
  id: number;
  started_at: number;
  ended_at: number | null;
  /** JSON: [{check, detail}] */
  reasons: string;
}
