// One row type per table, as SQLite returns it (snake_case columns, INTEGER times in epoch ms).
// Repositories map them to the types the rest of the code uses.

/** center_state: a center's derived status and the incident it has open. */
export interface CenterStateRow {
  center_id: string;
  status: string;
  since: number;
  down_since: number | null;
  incident_id: number | null;
  reminded_at: number | null;
  updated_at: number;
}

/** incidents: one period in which a center was not reachable. */
export interface IncidentRow {
  id: number;
  center_id: string;
  opened_at: number;
  closed_at: number | null;
  status: string;
  worst_status: string;
  went_dark_at: number | null;
  open_evidence: string;
  close_evidence: string | null;
  close_reason: string | null;
  maintenance_id: number | null;
}

/** center_status_changes: the hash-chained log of center status changes. */
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

/** channel_hours: per channel and UTC hour, attempts by class of outcome. */
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
