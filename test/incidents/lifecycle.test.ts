// The incident lifecycle, called directly: a center's record, its channels and the time in, a
// decision out (open, extend or close an incident, which news to raise). No database, no clock.

import { describe, expect, test } from 'vitest';
import type { ChannelStatus } from '../../src/domain.ts';
import { afterMaintenanceEvent, centerLifecycle, extendIncident, type CenterRecord, type CenterTransition, type LifecycleDecision } from '../../src/incidents/lifecycle.ts';
import type { ChannelView } from '../../src/status/center.ts';

const rules = { darkAfterMs: 600_000 };
const T0 = 1_000_000_000;
const ch = (id: string, status: ChannelStatus, confirmedAt: number | null = T0): ChannelView => ({
  id, type: 'phone', status, since: confirmedAt, confirmedAt, reason: null, probeable: true,
});
const record = (r: Partial<CenterRecord> & Pick<CenterRecord, 'status'>): CenterRecord => ({ since: T0 - 3_600_000, downSince: null, incidentId: null, remindedAt: null, ...r });
const transition = (d: LifecycleDecision): CenterTransition => {
  if (d.kind !== 'transition') throw new Error(`expected a transition, got ${d.kind}`);
  return d.transition;
};

describe('centerLifecycle', () => {
  test('a first evaluation with nothing to say stores the record and decides nothing else', () => {
    const d = centerLifecycle([ch('a', 'unknown', null)], null, T0, rules);
    expect(d).toEqual({ kind: 'record', record: { status: 'unknown', since: T0, downSince: null, incidentId: null, remindedAt: null } });
  });

  test('the same status with the same record: nothing to write', () => {
    expect(centerLifecycle([ch('a', 'reachable')], record({ status: 'reachable' }), T0, rules)).toEqual({ kind: 'none' });
  });

  test('every channel down within the grace period: partial, no incident news yet, the record notes since when', () => {
    const prev = record({ status: 'reachable' });
    const t = transition(centerLifecycle([ch('a', 'unavailable', T0 - 60_000)], prev, T0, rules));
    expect(t).toMatchObject({ from: 'reachable', to: 'partial', incident: { op: 'open', status: 'partial', wentDarkAt: null }, closes: false, alert: null });
    expect(t.next).toEqual({ status: 'partial', since: T0, downSince: T0 - 60_000, remindedAt: null, incident: 'keep' });
  });

  test('pending dark, then the grace runs out: the open incident is extended and "went dark" names when people began failing', () => {
    const downAt = T0 - 700_000;
    const prev = record({ status: 'partial', since: downAt, downSince: downAt, incidentId: 7, remindedAt: 5 });
    const t = transition(centerLifecycle([ch('a', 'unavailable', downAt)], prev, T0, rules));
    expect(t.incident).toEqual({ op: 'extend', id: 7, status: 'dark' });
    expect(t.alert).toEqual({ event: 'went_dark', since: downAt });
    // A new spell of dark starts the reminders afresh.
    expect(t.next.remindedAt).toBeNull();
    expect(t.next.incident).toBe('keep');
  });

  test('straight to dark opens an incident that went dark now', () => {
    const t = transition(centerLifecycle([ch('a', 'closed', T0 - 3_600_000)], record({ status: 'reachable' }), T0, rules));
    expect(t.incident).toEqual({ op: 'open', status: 'dark', wentDarkAt: T0 });
    expect(t.alert?.event).toBe('went_dark');
  });

  test('one channel down and another alive: partly reachable, news at once', () => {
    const t = transition(centerLifecycle([ch('a', 'unavailable'), ch('b', 'reachable')], record({ status: 'reachable' }), T0, rules));
    expect(t.incident).toEqual({ op: 'open', status: 'partial', wentDarkAt: null });
    expect(t.alert).toEqual({ event: 'partly_reachable', since: T0 });
  });

  test('reachable again closes the incident, clears it from the record and announces the recovery', () => {
    const prev = record({ status: 'dark', incidentId: 7, remindedAt: T0 - 10 });
    const t = transition(centerLifecycle([ch('a', 'reachable')], prev, T0, rules));
    expect(t).toMatchObject({ from: 'dark', to: 'reachable', incident: null, closes: true, alert: { event: 'recovered', since: T0 } });
    expect(t.next.incident).toBe('clear');
  });

  test('a spell of unknown keeps the incident open; the recovery after it is still announced', () => {
    const unknown = transition(centerLifecycle([ch('a', 'unknown', null)], record({ status: 'dark', incidentId: 7 }), T0, rules));
    expect(unknown).toMatchObject({ to: 'unknown', incident: null, closes: false, alert: null });
    expect(unknown.next.incident).toBe('keep');
    const back = transition(centerLifecycle([ch('a', 'reachable')], record({ status: 'unknown', incidentId: 7 }), T0 + 1, rules));
    expect(back).toMatchObject({ closes: true, alert: { event: 'recovered' } });
  });

  test('reachable without an open incident is not news and closes nothing', () => {
    const t = transition(centerLifecycle([ch('a', 'reachable')], record({ status: 'unknown' }), T0, rules));
    expect(t).toMatchObject({ incident: null, closes: false, alert: null });
  });

  test('opting out closes the incident without news', () => {
    const t = transition(centerLifecycle([ch('a', 'opted_out')], record({ status: 'dark', incidentId: 3 }), T0, rules));
    expect(t).toMatchObject({ to: 'opted_out', closes: true, alert: null });
  });
});

describe('extendIncident', () => {
  test('once dark, worst is dark for good and the first time it went dark stays', () => {
    expect(extendIncident({ worstStatus: 'dark', wentDarkAt: 10 }, 'partial', T0)).toEqual({ status: 'partial', worstStatus: 'dark', wentDarkAt: 10 });
    expect(extendIncident({ worstStatus: 'partial', wentDarkAt: null }, 'dark', T0)).toEqual({ status: 'dark', worstStatus: 'dark', wentDarkAt: T0 });
    expect(extendIncident({ worstStatus: 'partial', wentDarkAt: null }, 'partial', T0)).toEqual({ status: 'partial', worstStatus: 'partial', wentDarkAt: null });
  });
});

describe('afterMaintenanceEvent', () => {
  test('a dark center owes "went dark"; a partial one with a live channel owes "partly reachable"', () => {
    expect(afterMaintenanceEvent(record({ status: 'dark', incidentId: 1 }), [ch('a', 'unavailable')], T0, rules)).toBe('went_dark');
    expect(afterMaintenanceEvent(record({ status: 'partial', incidentId: 1 }), [ch('a', 'unavailable'), ch('b', 'busy')], T0, rules)).toBe('partly_reachable');
  });

  test('pending dark is not news yet; without an open incident nothing is owed', () => {
    expect(afterMaintenanceEvent(record({ status: 'partial', incidentId: 1, downSince: T0 - 1 }), [ch('a', 'unavailable', T0 - 1)], T0, rules)).toBeNull();
    expect(afterMaintenanceEvent(record({ status: 'dark', incidentId: null }), [ch('a', 'unavailable')], T0, rules)).toBeNull();
    expect(afterMaintenanceEvent(record({ status: 'reachable', incidentId: 1 }), [ch('a', 'reachable')], T0, rules)).toBeNull();
  });
});
