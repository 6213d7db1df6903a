// The availability report's arithmetic over rows, called directly with rows made up here: which hour
// ranges are summed, how maintenance and calling hours are taken apart, figures, and outages.
// No database: the store's part is covered by availability.test.ts on a real one.

import { describe, expect, test } from 'vitest';
import { addSums, assembleCenters, planReport, reachableSeeks, type Accs } from '../../src/reports/availability-compute.ts';
import { bucketsOf, HOUR_MS } from '../../src/reports/periods.ts';
import type { ChannelSums, ReportCenter, ReportChannel, ReportWindow } from '../../src/store/reports.ts';

const FROM = Date.UTC(2026, 2, 2); // a Monday
const TO = FROM + 24 * HOUR_MS;
const H0 = FROM / HOUR_MS;
const center: ReportCenter = { pos: 1, id: 'delta', name: 'Delta', kind: 'hotline', city: null, region: 'Almaty', tz: 'UTC', createdAt: 0, archivedAt: null };
const channels: ReportChannel[] = [
  { ref: 1, id: 'delta--web', centerId: 'delta', type: 'website', value: 'https://delta.example.kz/', target: 'https://delta.example.kz/', createdAt: 0, archivedAt: null },
  { ref: 2, id: 'delta--phone', centerId: 'delta', type: 'phone', value: '+77272619580', target: null, createdAt: 0, archivedAt: null },
];
const window: ReportWindow = { id: 5, centerId: null, region: 'Almaty', startsAt: FROM + 10.5 * HOUR_MS, endsAt: FROM + 14 * HOUR_MS, reason: 'move', createdBy: 'config', cancelledAt: FROM + 12 * HOUR_MS };
const plan = () =>
  planReport({
    from: FROM, to: TO, reportTz: 'UTC', callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }, buckets: bucketsOf('UTC', FROM, TO, 'day'),
    centers: [center], channels, windows: [window],
  });

describe('planReport', () => {
  test('sums the whole bucket, the calling-hour run, and the maintenance hours (a window ended early ends then) apart', () => {
    const p = plan();
    const ranges = p.sums.map((r) => [p.sets[r.set], r.a - H0, r.z - H0, r.target, r.calling]);
    expect(ranges).toEqual([
      [[1, 2], 0, 24, 'all', false],
      [[1, 2], 9, 18, 'all', true],
      [[1, 2], 10, 12, 'maint', false],
      [[1, 2], 10, 12, 'maint', true],
    ]);
    expect(p.zoneCallingHours.get('UTC')).toEqual([9]);
    expect(p.maintenance.get('delta')).toMatchObject({ hours: [2], calling: [2], windows: [{ id: 5, end: FROM + 12 * HOUR_MS }] });
  });

  test('a weekend day has no calling hours and sums none', () => {
    const sat = Date.UTC(2026, 2, 7);
    const p = planReport({
      from: sat, to: sat + 24 * HOUR_MS, reportTz: 'UTC', callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }, buckets: bucketsOf('UTC', sat, sat + 24 * HOUR_MS, 'day'),
      centers: [center], channels, windows: [],
    });
    expect(p.sums.filter((r) => r.calling)).toEqual([]);
    expect(p.zoneCallingHours.get('UTC')).toEqual([0]);
  });
});

describe('assembleCenters', () => {
  test('maintenance hours and attempts are kept out of availability; the center is the sum of its channels; no data is null', () => {
    const p = plan();
    // Per request, in plan order: the day, its calling hours, maintenance, maintenance in calling hours.
    const results: ChannelSums[][] = [[[1, 18, 4, 2, 1, 1]], [[1, 8, 2, 0, 0, 0]], [[1, 0, 2, 0, 0, 0]], [[1, 0, 2, 0, 0, 0]]];
    const accs: Accs = new Map();
    p.sums.forEach((r, i) => addSums(p, accs, r, results[i] ?? []));
    const seeks = reachableSeeks(p, accs);
    expect(seeks.ranges).toEqual([[1, H0, H0 + 24]]);
    (seeks.accs[0] as { firstAt: number | null }).firstAt = FROM + HOUR_MS;
    const [c] = assembleCenters({
      plan: p, accs, centerHistory: new Map(), channelHistory: new Map(), incidents: [], spellEnd: TO,
      outages: { isDown: (s) => s === 'unavailable', isImpaired: (s) => s === 'busy' },
    });
    const web = c?.channels[0];
    expect(web?.total).toMatchObject({
      hours: 22, probes: 26, counted: { reachable: 18, down: 2, impaired: 2 }, availability: 18 / 22,
      callingHours: { hours: 7, probes: 8, availability: 8 / 8 }, maintenance: { hours: 2, probes: 2 }, firstReachableAt: new Date(FROM + HOUR_MS).toISOString(),
    });
    expect(c?.channels[1]?.total).toMatchObject({ probes: 0, availability: null });
    expect(c?.channels[1]?.probeable).toBe(false);
    expect(c?.total).toMatchObject({ probes: 26, availability: 18 / 22, maintenanceWindows: [5] });
    expect(c?.maintenanceWindows[0]).toMatchObject({ id: 5, endedEarly: true, to: new Date(FROM + 12 * HOUR_MS).toISOString() });
  });

  test('the longest outage: dark before partial, clipped at the period start, cut at the report time when still going', () => {
    const p = plan();
    const [c] = assembleCenters({
      plan: p, accs: new Map(), channelHistory: new Map(), incidents: [], spellEnd: FROM + 20 * HOUR_MS,
      centerHistory: new Map([['delta', {
        start: { status: 'dark', at: FROM - HOUR_MS, incidentId: 3 },
        changes: [{ status: 'reachable', at: FROM + HOUR_MS, incidentId: null }, { status: 'partial', at: FROM + 2 * HOUR_MS, incidentId: 4 }, { status: 'dark', at: FROM + 17 * HOUR_MS, incidentId: 4 }],
      }]]),
      outages: { isDown: () => false, isImpaired: () => false },
    });
    expect(c?.total.longestOutage).toMatchObject({ kind: 'dark', durationMs: 3 * HOUR_MS, clippedStart: false, clippedEnd: true, incidentId: 4, statuses: ['dark'] });
    expect(c?.buckets[0]?.longestOutage?.kind).toBe('dark');
  });
});
