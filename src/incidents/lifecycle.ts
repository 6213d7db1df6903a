// The incident lifecycle: a center's stored record, its channels and the time in, a decision out
// (Checkmate's evaluator: it returns what happened; small reactors in tracker.ts and alerts/ act on it).
// No clock, no I/O: the same inputs always give the same decision.

import type { AlertEvent } from '../alerts/channel.ts';
import {
  centerEvent, closesIncident, evaluateCenter, isIncidentStatus, type CenterDecision, type CenterEvent, type CenterRules, type CenterStatus, type ChannelView,
} from '../status/center.ts';

/** What is stored for a center between evaluations. */
export interface CenterRecord {
  status: CenterStatus;
  since: number;
  downSince: number | null;
  /** The incident open for it, if any (it stays open through a spell of "unknown"). */
  incidentId: number | null;
  /** The last "still dark" reminder of the open incident. */
  remindedAt: number | null;
}

/** The record after a transition; `incident` says what becomes of the incident id. */
export interface NextRecord {
  status: CenterStatus;
  since: number;
  downSince: number | null;
  remindedAt: number | null;
  /** keep: the incident open before (or the one this transition opens); clear: none is open after it. */
  incident: 'keep' | 'clear';
}

export interface CenterTransition {
  from: CenterStatus;
  to: CenterStatus;
  at: number;
  decision: CenterDecision;
  /** open: a new incident with this status; extend: the open one takes this status. */
  incident: { op: 'open'; status: CenterStatus; wentDarkAt: number | null } | { op: 'extend'; id: number; status: CenterStatus } | null;
  /** The open incident closes (reachable again, or opted out). */
  closes: boolean;
  next: NextRecord;
  /** The news for subscribers, if the transition is news. */
  alert: { event: CenterEvent; since: number } | null;
}

export type LifecycleDecision =
  /** Nothing to write. */
  | { kind: 'none' }
  /** Same status; only the stored record moves (the first evaluation, or when every channel went down). */
  | { kind: 'record'; record: CenterRecord }
  | { kind: 'transition'; transition: CenterTransition };

/** Evaluates a center and decides what its status change means for its record and incident. */
export function centerLifecycle(channels: ChannelView[], prev: CenterRecord | null, now: number, rules: CenterRules): LifecycleDecision {
  const decision = evaluateCenter(channels, prev ? { status: prev.status, since: prev.since, downSince: prev.downSince } : null, now, rules);
  const from: CenterStatus = prev?.status ?? 'unknown';
  const to = decision.status;
  if (from === to) {
    if (prev && prev.downSince === decision.downSince) return { kind: 'none' };
    return {
      kind: 'record',
      record: { status: from, since: prev?.since ?? now, downSince: decision.downSince, incidentId: prev?.incidentId ?? null, remindedAt: prev?.remindedAt ?? null },
    };
  }
  const prevIncident = prev?.incidentId ?? null;
  let incident: CenterTransition['incident'] = null;
  if (isIncidentStatus(to)) {
    incident = prevIncident === null ? { op: 'open', status: to, wentDarkAt: to === 'dark' ? now : null } : { op: 'extend', id: prevIncident, status: to };
  }
  const hasIncident = prevIncident !== null || incident?.op === 'open';
  const closes = hasIncident && closesIncident(to);
  const opened = incident?.op === 'open';
  const event = centerEvent(from, decision, hasIncident);
  return {
    kind: 'transition',
    transition: {
      from,
      to,
      at: now,
      decision,
      incident,
      closes,
      next: {
        status: to,
        since: decision.since,
        downSince: decision.downSince,
        // A new incident, or a new spell of dark, starts the reminders afresh.
        remindedAt: opened || (to === 'dark' && from !== 'dark') ? null : (prev?.remindedAt ?? null),
        incident: closes ? 'clear' : 'keep',
      },
      // "Since when" for a dark center: since its last channel was confirmed down, when people began failing.
      alert: event && hasIncident ? { event, since: event === 'went_dark' ? (decision.downSince ?? now) : decision.since } : null,
    },
  };
}

/** An open incident as the lifecycle needs it. */
export interface OpenIncident {
  worstStatus: string;
  wentDarkAt: number | null;
}

/** The open incident after the center takes `status`: dark once means worst "dark" for good, and the first time it went dark stays. */
export function extendIncident(incident: OpenIncident | null, status: CenterStatus, now: number): { status: CenterStatus; worstStatus: string; wentDarkAt: number | null } {
  return {
    status,
    worstStatus: status === 'dark' || incident?.worstStatus === 'dark' ? 'dark' : 'partial',
    wentDarkAt: incident?.wentDarkAt ?? (status === 'dark' ? now : null),
  };
}

/**
 * A maintenance window ended with the center's incident still open: the news the window held, if
 * any. Pending dark (every channel down, grace not over) is not news yet; "went dark" follows if it lasts.
 */
export function afterMaintenanceEvent(record: CenterRecord, channels: ChannelView[], now: number, rules: CenterRules): AlertEvent | null {
  if (record.incidentId === null || !isIncidentStatus(record.status)) return null;
  const decision = evaluateCenter(channels, { status: record.status, since: record.since, downSince: record.downSince }, now, rules);
  if (record.status === 'partial' && !decision.alive) return null;
  return record.status === 'dark' ? 'went_dark' : 'partly_reachable';
}
