// The alerts a center's incident lifecycle and its channels raise, composed from decisions and
// stored facts: a status change, a "still dark" reminder, the news a maintenance window held, a
// closed number, an expiring certificate. Pure: each returns a plan that alerts/raiser.ts queues.

import type { AlertEvent } from './channel.ts';
import type { AlertFacts, ChannelFacts, EvidenceFacts } from './messages.ts';
import type { CenterFacts } from './subscription.ts';
import type { CenterTransition } from '../incidents/lifecycle.ts';
import type { StatusChange, StreakProbe } from '../status/policy.ts';
import type { ProbeRecord } from '../domain.ts';
import type { TrackedChannel } from '../store/incidents.ts';

/** Who among the matching subscriptions hears an alert (the outbox knows who was told what). */
export type Audience =
  | { kind: 'all' }
  /** Those told of the incident: a recovery is news only to them. */
  | { kind: 'told'; incidentId: number }
  /** Those told of the incident, or whose news of it failed: reminders. */
  | { kind: 'concerned'; incidentId: number }
  /** Those not already told of these events of the incident. */
  | { kind: 'not_told'; incidentId: number; events: AlertEvent[] };

export interface AlertPlan {
  facts: AlertFacts;
  /** The outbox's dedupe key, before the subscription id is appended. */
  key: string;
  /** Set inside a maintenance window: stored, never sent. */
  suppressedBy: string | null;
  audience: Audience;
  /** Alerts still queued about this incident are stale once this one is news. */
  supersedes?: { incidentId: number; why: string };
}

export interface ChannelFactSet {
  channels: ChannelFacts[];
  evidence: EvidenceFacts[];
  evidenceOf: (pick: (c: ChannelFacts) => boolean) => EvidenceFacts[];
}

/** What alerts say of channels, and the probes that confirmed each one's current status. */
export function channelFacts(rows: TrackedChannel[]): ChannelFactSet {
  const channels: ChannelFacts[] = rows.map((r) => ({
    id: r.id,
    type: r.type,
    value: r.value,
    status: r.status ?? (r.target ? 'unknown' : 'not_probed'),
    since: r.statusSince,
    reason: r.statusReason,
  }));
  // The probes that confirmed each channel's current status: the first N of its streak, while the
  // streak is still the status (a newer, different streak is not yet evidence of anything).
  const byChannel = new Map<string, EvidenceFacts[]>();
  for (const r of rows) {
    if (!r.streakProbes || r.streakOutcome !== r.status) continue;
    const probes = JSON.parse(r.streakProbes) as StreakProbe[];
    byChannel.set(r.id, probes.map((p) => ({ channelId: r.id, at: p.at, reason: p.reason, detail: p.detail })));
  }
  const evidenceOf = (pick: (c: ChannelFacts) => boolean) => channels.filter(pick).flatMap((c) => byChannel.get(c.id) ?? []);
  return { channels, evidence: [...byChannel.values()].flat(), evidenceOf };
}

/** The evidence stored with a center status change and its incident. */
export function changeEvidence(facts: ChannelFactSet): string {
  return JSON.stringify({ channels: facts.channels, probes: facts.evidence });
}

const maintenanceKey = (windowId: number | null): string | null => (windowId === null ? null : `maintenance:${windowId}`);

/** The alert a center status change raises, if the lifecycle says it is news. */
export function centerChangeAlert(c: {
  center: CenterFacts;
  transition: CenterTransition;
  incidentId: number | null;
  changeId: number;
  facts: ChannelFactSet;
  windowId: number | null;
  boardUrl: string | null;
}): AlertPlan | null {
  const { transition: t, incidentId } = c;
  if (!t.alert || incidentId === null) return null;
  const event = t.alert.event;
  const recovered = event === 'recovered';
  const facts: AlertFacts = {
    event,
    at: t.at,
    center: c.center,
    status: t.to,
    since: t.alert.since,
    incidentId,
    channels: c.facts.channels,
    evidence: recovered ? c.facts.evidenceOf((ch) => ch.status === 'reachable') : c.facts.evidenceOf((ch) => ch.status !== 'reachable'),
    boardUrl: c.boardUrl,
  };
  if (recovered) {
    // Only those who were told hear the recovery, even inside a maintenance window (the window
    // holds news of trouble, not the end of it). Anything still queued for them about this
    // incident is now stale: it is superseded rather than delivered after the recovery.
    return {
      facts,
      key: `recovered:change-${c.changeId}`,
      suppressedBy: null,
      audience: { kind: 'told', incidentId },
      supersedes: { incidentId, why: 'superseded: the center recovered before it was delivered' },
    };
  }
  // Keyed by the change: a center can go dark twice within one incident, and each time is news.
  return { facts, key: `${event}:change-${c.changeId}`, suppressedBy: maintenanceKey(c.windowId), audience: { kind: 'all' } };
}

/** "Still dark": to those concerned with the incident, once per reminder period. */
export function stillDarkAlert(center: CenterFacts, due: { incidentId: number; since: number; wentDarkAt: number | null }, facts: ChannelFactSet, now: number, boardUrl: string | null): AlertPlan {
  return {
    facts: { event: 'still_dark', at: now, center, status: 'dark', since: due.wentDarkAt ?? due.since, incidentId: due.incidentId, channels: facts.channels, evidence: [], boardUrl },
    key: `still_dark:incident-${due.incidentId}:${now}`,
    suppressedBy: null,
    audience: { kind: 'concerned', incidentId: due.incidentId },
  };
}

/** A window ended with the center dark or partial: the news it held, to whoever it kept from being told. */
export function afterMaintenanceAlert(
  center: CenterFacts, state: { status: 'dark' | 'partial'; since: number; incidentId: number }, event: AlertEvent, facts: ChannelFactSet, now: number, boardUrl: string | null,
): AlertPlan {
  return {
    facts: {
      event, at: now, center, status: state.status, since: state.since, incidentId: state.incidentId, channels: facts.channels,
      evidence: facts.evidenceOf((c) => c.status !== 'reachable'), afterMaintenance: true, boardUrl,
    },
    key: `${event}:incident-${state.incidentId}:after-maintenance`,
    suppressedBy: null,
    // Not to those already told of this very state (before the window began).
    audience: {
      kind: 'not_told',
      incidentId: state.incidentId,
      events: event === 'went_dark' ? ['went_dark', 'still_dark'] : ['partly_reachable', 'went_dark', 'still_dark'],
    },
  };
}

/** A channel confirmed closed or a wrong number: news of its own, whatever the center's status. */
export function channelClosedAlert(center: CenterFacts, channel: TrackedChannel, channelId: string, change: StatusChange, windowId: number | null, now: number, boardUrl: string | null): AlertPlan {
  return {
    facts: {
      event: 'channel_closed', at: now, center, since: change.probes[0]?.at ?? change.at, channels: channelFacts([channel]).channels,
      evidence: change.probes.map((p) => ({ channelId, at: p.at, reason: p.reason, detail: p.detail })), boardUrl,
    },
    key: `channel_closed:${channelId}:${change.at}`,
    suppressedBy: maintenanceKey(windowId),
    audience: { kind: 'all' },
  };
}

/** When the certificate a website probe saw expires, if the probe recorded it. */
export function certValidTo(record: ProbeRecord): number | undefined {
  const hops = (record.evidence.hops as { tls?: { cert?: { validTo?: number } } }[] | undefined) ?? [];
  return hops.map((h) => h.tls?.cert?.validTo).find((v): v is number => typeof v === 'number');
}

/** The dedupe key of a certificate's expiry alert: once per channel and certificate. */
export const certKey = (channelId: string, validTo: number): string => `cert_expiring:${channelId}:${validTo}`;

export function certExpiringAlert(center: CenterFacts, channel: TrackedChannel, channelId: string, record: ProbeRecord, validTo: number, windowId: number | null, now: number, boardUrl: string | null): AlertPlan {
  const c = record.classification;
  return {
    facts: {
      event: 'cert_expiring', at: now, center, certExpiresAt: validTo, channels: channelFacts([channel]).channels,
      evidence: [{ channelId, at: record.startedAt, reason: c.reason, detail: c.detail }], boardUrl,
    },
    key: certKey(channelId, validTo),
    suppressedBy: maintenanceKey(windowId),
    audience: { kind: 'all' },
  };
}
