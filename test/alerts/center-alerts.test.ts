// Alert composition from the lifecycle's decisions, called directly: which event, key, evidence,
// audience and suppression each alert gets. No database: the plans are what alerts/raiser.ts queues.

import { describe, expect, test } from 'vitest';
import { afterMaintenanceAlert, centerChangeAlert, certValidTo, channelFacts, stillDarkAlert } from '../../src/alerts/center-alerts.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import { centerLifecycle, type CenterTransition } from '../../src/incidents/lifecycle.ts';
import type { TrackedChannel } from '../../src/store/incidents.ts';

const T0 = 1_000_000_000;
const center = { id: 'delta', name: 'Delta', kind: 'rehabilitation_center', region: 'Almaty', city: null, tz: 'Asia/Almaty' };
const channel = (id: string, status: TrackedChannel['status'], streak: { at: number; reason: string }[] = []): TrackedChannel => ({
  id, type: 'phone', value: '+77272619580', target: '+77272619580', archived: false, status, statusSince: T0 - 100, statusConfirmedAt: T0 - 100, statusReason: streak[0]?.reason ?? null,
  streakOutcome: status, streakProbes: JSON.stringify(streak.map((p, i) => ({ id: i + 1, at: p.at, reason: p.reason, detail: p.reason }))),
});
const views = (rows: TrackedChannel[]) => rows.map((r) => ({ id: r.id, type: r.type, status: r.status ?? 'unknown', since: r.statusSince, confirmedAt: r.statusConfirmedAt, reason: r.statusReason, probeable: true }));
const transitionOf = (rows: TrackedChannel[], prev: Parameters<typeof centerLifecycle>[1]): CenterTransition => {
  const d = centerLifecycle(views(rows), prev, T0, { darkAfterMs: 600_000 });
  if (d.kind !== 'transition') throw new Error('expected a transition');
  return d.transition;
};

describe('channelFacts', () => {
  test('evidence is the streak that confirmed the status; a newer, different streak is not evidence yet', () => {
    const stale = { ...channel('b', 'reachable', [{ at: 5, reason: 'http_2xx' }]), streakOutcome: 'unavailable' };
    const f = channelFacts([channel('a', 'unavailable', [{ at: 1, reason: 'sip_404' }, { at: 2, reason: 'sip_404' }]), stale]);
    expect(f.channels.map((c) => c.status)).toEqual(['unavailable', 'reachable']);
    expect(f.evidence.map((e) => [e.channelId, e.at])).toEqual([['a', 1], ['a', 2]]);
    expect(f.evidenceOf((c) => c.status === 'reachable')).toEqual([]);
  });
});

describe('centerChangeAlert', () => {
  test('went dark: to everyone matching, keyed by the change, held by a maintenance window', () => {
    // Confirmed down longer than the grace period: dark at once.
    const rows = [{ ...channel('a', 'unavailable', [{ at: T0 - 900_000, reason: 'sip_404' }]), statusSince: T0 - 900_000, statusConfirmedAt: T0 - 800_000 }];
    const t = transitionOf(rows, { status: 'reachable', since: 0, downSince: null, incidentId: null, remindedAt: null });
    const plan = centerChangeAlert({ center, transition: t, incidentId: 4, changeId: 12, facts: channelFacts(rows), windowId: 9, boardUrl: null });
    expect(plan).toMatchObject({ key: 'went_dark:change-12', suppressedBy: 'maintenance:9', audience: { kind: 'all' }, facts: { event: 'went_dark', incidentId: 4, status: 'dark' } });
    expect(plan?.facts.evidence.map((e) => e.reason)).toEqual(['sip_404']);
    expect(plan?.supersedes).toBeUndefined();
  });

  test('recovered: only to those told, never held, and it supersedes what is still queued about the incident', () => {
    const rows = [channel('a', 'reachable', [{ at: T0 - 10, reason: 'confirmed' }])];
    const t = transitionOf(rows, { status: 'dark', since: 0, downSince: 0, incidentId: 4, remindedAt: null });
    const plan = centerChangeAlert({ center, transition: t, incidentId: 4, changeId: 13, facts: channelFacts(rows), windowId: 9, boardUrl: null });
    expect(plan).toMatchObject({ key: 'recovered:change-13', suppressedBy: null, audience: { kind: 'told', incidentId: 4 }, supersedes: { incidentId: 4 } });
    expect(plan?.facts.evidence.map((e) => e.reason)).toEqual(['confirmed']);
  });

  test('a change that is not news plans no alert', () => {
    const rows = [channel('a', 'reachable')];
    const t = transitionOf(rows, { status: 'unknown', since: 0, downSince: null, incidentId: null, remindedAt: null });
    expect(centerChangeAlert({ center, transition: t, incidentId: null, changeId: 1, facts: channelFacts(rows), windowId: null, boardUrl: null })).toBeNull();
  });
});

describe('reminders and maintenance', () => {
  test('still dark goes to those concerned, once per reminder time, since it went dark', () => {
    const plan = stillDarkAlert(center, { incidentId: 4, since: 50, wentDarkAt: 40 }, channelFacts([channel('a', 'unavailable')]), T0, null);
    expect(plan).toMatchObject({ key: `still_dark:incident-4:${T0}`, audience: { kind: 'concerned', incidentId: 4 }, facts: { since: 40, evidence: [] } });
  });

  test('after maintenance: not to those already told of this very state', () => {
    const facts = channelFacts([channel('a', 'unavailable')]);
    expect(afterMaintenanceAlert(center, { status: 'dark', since: 1, incidentId: 4 }, 'went_dark', facts, T0, null).audience)
      .toEqual({ kind: 'not_told', incidentId: 4, events: ['went_dark', 'still_dark'] });
    expect(afterMaintenanceAlert(center, { status: 'partial', since: 1, incidentId: 4 }, 'partly_reachable', facts, T0, null))
      .toMatchObject({ key: 'partly_reachable:incident-4:after-maintenance', facts: { afterMaintenance: true }, audience: { events: ['partly_reachable', 'went_dark', 'still_dark'] } });
  });
});

test('certValidTo reads the first certificate expiry the probe recorded', () => {
  const record = { evidence: { method: 'http', v: 1, hops: [{}, { tls: { cert: { validTo: 123 } } }] } } as unknown as ProbeRecord;
  expect(certValidTo(record)).toBe(123);
  expect(certValidTo({ evidence: { method: 'http', v: 1 } } as unknown as ProbeRecord)).toBeUndefined();
});
