// Availability reports on a real SQLite file written by the real probe writer and center tracker (see
// history.ts for the timeline). Every figure is checked against arithmetic done by hand from that
// timeline; times are Asia/Almaty (UTC+5), calling hours Mon–Fri 09:00–18:00.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildAvailabilityReport, ReportInputError, UnknownCenterError, type AvailabilityQuery } from '../../src/reports/availability.ts';
import type { AvailabilityReport, CenterReport, ChannelReport } from '../../src/reports/report-types.ts';
import { bucketsOf, parseReportTime } from '../../src/reports/periods.ts';
import { availabilityCsv, availabilityHtml, REPORT_STYLE_CSP, thesisCsv, thesisHtml } from '../../src/reports/render.ts';
import { parseThesisParams } from '../../src/reports/query.ts';
import { buildThesisTable } from '../../src/reports/thesis-table.ts';
import { tempDir } from '../helpers/tmp.ts';
import { csvRecords } from './csv.ts';
import { at, B, dataDirOf, G, isoAt, P, W, writeHistory, type History } from './history.ts';

let h: History;
let cleanup: () => void;
const NOW = at('03-20 00:00');

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  h = await writeHistory(dataDirOf(t.dir), t.dir);
});
afterAll(async () => {
  await h.stop();
  h.db.close();
  cleanup();
});

const report = (q: Partial<AvailabilityQuery>): AvailabilityReport =>
  buildAvailabilityReport(h.db, { from: at('03-02 00:00'), to: at('03-16 00:00'), granularity: 'week', ...q }, h.settings, { now: NOW });
const center = (r: AvailabilityReport, id: string): CenterReport => r.centers.find((c) => c.id === id) as CenterReport;
const channel = (c: CenterReport, id: string): ChannelReport => c.channels.find((ch) => ch.id === id) as ChannelReport;
const none = { reachable: 0, down: 0, impaired: 0, inconclusive: 0, errors: 0 };

describe('two ISO weeks, Mon 2026-03-02 to Sun 2026-03-15', () => {
  test('periods and buckets: whole local weeks in Asia/Almaty', () => {
    const r = report({});
    expect(r.period).toMatchObject({ from: '2026-03-01T19:00:00.000Z', to: '2026-03-15T19:00:00.000Z', hours: 336, timeZone: 'Asia/Almaty', granularity: 'week' });
    expect(r.buckets).toEqual([
      { key: '2026-W10', from: '2026-03-01T19:00:00.000Z', to: '2026-03-08T19:00:00.000Z' },
      { key: '2026-W11', from: '2026-03-08T19:00:00.000Z', to: '2026-03-15T19:00:00.000Z' },
    ]);
    // Sorted by region, then name: Akmola Region (beta), then Almaty Region (alpha, gamma).
    expect(r.centers.map((c) => c.id)).toEqual(['beta', 'alpha', 'gamma']);
  });

  test("alpha's website: probes, classes, availability, calling hours, maintenance, first and last reachable", () => {
    const web = channel(center(report({}), 'alpha'), W);
    const [w10, w11] = web.buckets;
    // W10: 03-02 10:00 R, 03-02 22:00 R, 03-03 10:00 unavailable, 03-03 14:00 error, 03-03 22:00 unavailable,
    //      03-04 10:00 R, 03-07 10:00 redirected, 03-08 10:00 R  → 8 probes: 4 R, 2 down, 1 impaired, 1 error.
    //      availability 4 / (4 + 2 + 1) = 4/7.
    //      Calling hours (weekdays, hours overlapping 09–18): 03-02 10:00 R, 03-03 10:00 down, 03-03 14:00 error,
    //      03-04 10:00 R → 4 probes, 2 / (2 + 1) = 2/3; 22:00 and the weekend are outside. 5 days × 9 h = 45 calling hours.
    expect(w10).toMatchObject({
      key: '2026-W10', hours: 168, probes: 8,
      outcomes: { reachable: 4, down: 2, impaired: 1, inconclusive: 0, errors: 1 },
      counted: { reachable: 4, down: 2, impaired: 1 }, availability: 4 / 7,
      callingHours: { hours: 45, probes: 4, outcomes: { reachable: 2, down: 1, impaired: 0, inconclusive: 0, errors: 1 }, availability: 2 / 3 },
      maintenance: { hours: 0, probes: 0, outcomes: none },
      firstReachableAt: isoAt('03-02 10:00'), lastReachableAt: isoAt('03-08 10:00'),
      longestOutage: { kind: 'down', from: isoAt('03-03 10:00'), to: isoAt('03-04 10:00'), durationMs: 24 * 3_600_000, statuses: ['unavailable'], clippedStart: false, clippedEnd: false },
    });
    // W11: 03-09 10:00 closed and 03-10 10:00 closed fall in the maintenance window 03-09 00:00 – 03-11 00:00 (48 h);
    //      03-11 10:00 R, 03-12 10:00 R, 03-14 10:00 R (Saturday) → 5 probes: 3 R, 2 down (both in maintenance).
    //      Outside maintenance: 3 R, 0 down → availability 3/3 = 1. Hours 168 − 48 = 120.
    //      Calling hours 45 − 18 (Mon and Tue in maintenance) = 27; in them 03-11 and 03-12 10:00 R → 2/2 = 1.
    expect(w11).toMatchObject({
      key: '2026-W11', hours: 120, probes: 5,
      outcomes: { reachable: 3, down: 2, impaired: 0, inconclusive: 0, errors: 0 },
      counted: { reachable: 3, down: 0, impaired: 0 }, availability: 1,
      callingHours: { hours: 27, probes: 2, outcomes: { reachable: 2, down: 0, impaired: 0, inconclusive: 0, errors: 0 }, availability: 1 },
      maintenance: { hours: 48, probes: 2, outcomes: { reachable: 0, down: 2, impaired: 0, inconclusive: 0, errors: 0 } },
      firstReachableAt: isoAt('03-11 10:00'), lastReachableAt: isoAt('03-14 10:00'),
      longestOutage: { kind: 'down', from: isoAt('03-09 10:00'), to: isoAt('03-11 10:00'), durationMs: 48 * 3_600_000, statuses: ['closed'] },
    });
    // Whole period: 8 + 5 = 13 probes; counted outside maintenance 4 + 3 = 7 R, 2 down, 1 impaired → 7/10.
    // Calling: 2 + 2 = 4 R, 1 down, 1 error → 4/5. The longest down spell is the 48 h one.
    expect(web.total).toMatchObject({
      key: 'total', hours: 288, probes: 13,
      outcomes: { reachable: 7, down: 4, impaired: 1, inconclusive: 0, errors: 1 },
      counted: { reachable: 7, down: 2, impaired: 1 }, availability: 0.7,
      callingHours: { hours: 72, probes: 6, availability: 0.8 },
      maintenance: { hours: 48, probes: 2 },
      firstReachableAt: isoAt('03-02 10:00'), lastReachableAt: isoAt('03-14 10:00'),
      longestOutage: { kind: 'down', durationMs: 48 * 3_600_000, statuses: ['closed'] },
    });
  });

  test("alpha's phone: a week with no reachable call has availability 0, not null; the open wrong-number spell is cut at the period's end", () => {
    const phone = channel(center(report({}), 'alpha'), P);
    // W10: 03-02 R, 03-03 no_answer, 03-04 no_answer, 03-05 R, all at 11:00 on weekdays → 2/4 = 0.5 overall and in calling hours.
    expect(phone.buckets[0]).toMatchObject({
      probes: 4, outcomes: { reachable: 2, down: 2, impaired: 0, inconclusive: 0, errors: 0 }, availability: 0.5,
      callingHours: { probes: 4, availability: 0.5 }, firstReachableAt: isoAt('03-02 11:00'), lastReachableAt: isoAt('03-05 11:00'),
      longestOutage: { kind: 'down', from: isoAt('03-03 11:00'), to: isoAt('03-05 11:00'), durationMs: 48 * 3_600_000, statuses: ['no_answer'] },
    });
    // W11: 03-12 and 03-13 wrong_number → 0 / 2 = 0; no reachable probe, so no first or last.
    // The spell began 03-12 11:00 and is still on: cut at the period's end 03-16 00:00 = 3 d 13 h.
    expect(phone.buckets[1]).toMatchObject({
      probes: 2, outcomes: { reachable: 0, down: 2, impaired: 0, inconclusive: 0, errors: 0 }, availability: 0,
      callingHours: { probes: 2, availability: 0 }, maintenance: { hours: 48, probes: 0 }, firstReachableAt: null, lastReachableAt: null,
      longestOutage: { kind: 'down', from: isoAt('03-12 11:00'), to: isoAt('03-16 00:00'), durationMs: (3 * 24 + 13) * 3_600_000, duration: '3 d 13 h', statuses: ['wrong_number'], clippedEnd: true },
    });
    // Whole period: 2 R, 4 down → 2/6.
    expect(phone.total).toMatchObject({ probes: 6, availability: 2 / 6, callingHours: { availability: 2 / 6 } });
  });

  test('the center is the sum of its channels; incidents, the longest outage (dark, or partial when never dark) and maintenance windows', () => {
    const alpha = center(report({}), 'alpha');
    // W10: website 8 + phone 4 = 12 probes; 4 + 2 = 6 R, 2 + 2 = 4 down, 1 impaired, 1 error → 6/11.
    //      Calling: (2 R, 1 down, 1 error) + (2 R, 2 down) = 4 R, 3 down, 1 error → 4/7.
    //      Incidents #1 (03-03 10:00 – 03-05 11:00, dark at 11:00) and #2 (03-07 10:00 – 03-08 10:00).
    //      Dark from 03-03 11:00 (the phone failed too) to 03-04 10:00 (the website answered): 23 h.
    expect(alpha.buckets[0]).toMatchObject({
      hours: 168, probes: 12, outcomes: { reachable: 6, down: 4, impaired: 1, inconclusive: 0, errors: 1 }, availability: 6 / 11,
      callingHours: { hours: 45, probes: 8, outcomes: { reachable: 4, down: 3, impaired: 0, inconclusive: 0, errors: 1 }, availability: 4 / 7 },
      incidents: { count: 2, ids: [1, 2] }, maintenanceWindows: [],
      firstReachableAt: isoAt('03-02 10:00'), lastReachableAt: isoAt('03-08 10:00'),
      longestOutage: { kind: 'dark', from: isoAt('03-03 11:00'), to: isoAt('03-04 10:00'), durationMs: 23 * 3_600_000, duration: '23 h', statuses: ['dark'], incidentId: 1 },
    });
    // W11: 5 + 2 = 7 probes; outside maintenance 3 R and 2 down (the phone's) → 3/5; maintenance 48 h with the 2 closed probes.
    //      Calling: 2 R + 2 down → 2/4. Incidents #3 (in maintenance window 1) and #5 (beta's is #4).
    //      Never dark in W11: the longest partial spell is #5, 03-12 11:00 to the period's end (3 d 13 h), longer than #3 (48 h).
    expect(alpha.buckets[1]).toMatchObject({
      hours: 120, probes: 7, outcomes: { reachable: 3, down: 4, impaired: 0, inconclusive: 0, errors: 0 }, counted: { reachable: 3, down: 2, impaired: 0 }, availability: 3 / 5,
      callingHours: { hours: 27, probes: 4, availability: 2 / 4 }, maintenance: { hours: 48, probes: 2, outcomes: { reachable: 0, down: 2, impaired: 0, inconclusive: 0, errors: 0 } },
      incidents: { count: 2, ids: [3, 5] }, maintenanceWindows: [1],
      longestOutage: { kind: 'partial', from: isoAt('03-12 11:00'), to: isoAt('03-16 00:00'), durationMs: 85 * 3_600_000, clippedEnd: true, incidentId: 5 },
    });
    // Whole period: 19 probes; counted 9 R, 6 down, 1 impaired → 9/16; calling 6 R, 5 down, 1 error → 6/11.
    expect(alpha.total).toMatchObject({
      hours: 288, probes: 19, outcomes: { reachable: 9, down: 8, impaired: 1, inconclusive: 0, errors: 1 }, counted: { reachable: 9, down: 6, impaired: 1 }, availability: 9 / 16,
      callingHours: { hours: 72, probes: 12, availability: 6 / 11 }, maintenance: { hours: 48, probes: 2 },
      incidents: { count: 4, ids: [1, 2, 3, 5] }, maintenanceWindows: [1],
      longestOutage: { kind: 'dark', durationMs: 23 * 3_600_000, incidentId: 1 },
    });
    expect(alpha.incidents).toEqual([
      { id: 1, openedAt: isoAt('03-03 10:00'), closedAt: isoAt('03-05 11:00'), status: 'partial', worstStatus: 'dark', wentDarkAt: isoAt('03-03 11:00'), closeReason: expect.any(String), maintenanceId: null },
      { id: 2, openedAt: isoAt('03-07 10:00'), closedAt: isoAt('03-08 10:00'), status: 'partial', worstStatus: 'partial', wentDarkAt: null, closeReason: expect.any(String), maintenanceId: null },
      { id: 3, openedAt: isoAt('03-09 10:00'), closedAt: isoAt('03-11 10:00'), status: 'partial', worstStatus: 'partial', wentDarkAt: null, closeReason: expect.any(String), maintenanceId: 1 },
      { id: 5, openedAt: isoAt('03-12 11:00'), closedAt: null, status: 'partial', worstStatus: 'partial', wentDarkAt: null, closeReason: null, maintenanceId: null },
    ]);
    expect(alpha.maintenanceWindows).toEqual([
      { id: 1, centerId: 'alpha', region: null, from: isoAt('03-09 00:00'), to: isoAt('03-11 00:00'), reason: 'Moving <offices> & phones', createdBy: 'config', endedEarly: false },
    ]);
  });

  test('beta: local weeks and calling hours cut at local time, not UTC', () => {
    const beta = center(report({}), 'beta');
    // W10: 03-02 10:00 R and 03-03 01:00 R (UTC 03-02 20:00) → 2/2; only the 10:00 one is in calling hours.
    expect(beta.buckets[0]).toMatchObject({ probes: 2, availability: 1, callingHours: { probes: 1, availability: 1 }, lastReachableAt: isoAt('03-03 01:00') });
    // W11: 03-09 00:30 inconclusive (UTC Sunday 03-08 19:30, but Monday in Almaty: W11), 03-09 10:00 R, 03-10 08:30 R, 03-10 17:30 redirected
    //      → 4 probes, 2 / (2 + 1) = 2/3. Calling hours: 10:00 R and 17:30 redirected (the hour 17–18 overlaps, 08–09 does not) → 1/2.
    expect(beta.buckets[1]).toMatchObject({
      probes: 4, outcomes: { reachable: 2, down: 0, impaired: 1, inconclusive: 1, errors: 0 }, availability: 2 / 3,
      callingHours: { probes: 2, outcomes: { reachable: 1, down: 0, impaired: 1, inconclusive: 0, errors: 0 }, availability: 1 / 2 },
      firstReachableAt: isoAt('03-09 10:00'), lastReachableAt: isoAt('03-10 08:30'),
      incidents: { count: 1, ids: [4] },
      longestOutage: { kind: 'partial', from: isoAt('03-10 17:30'), to: isoAt('03-16 00:00'), clippedEnd: true, incidentId: 4 },
    });
    expect(channel(beta, B).buckets[1]?.longestOutage).toMatchObject({ kind: 'impaired', statuses: ['redirected'] });
  });

  test('a center with only our own errors: availability is null (no data), never 0, and nothing counts as down', () => {
    const gamma = center(report({}), 'gamma');
    // W10: 03-03 10:00 and 12:00 errors (both in calling hours); W11: 03-10 10:00 error.
    expect(gamma.buckets.map((b) => [b.probes, b.outcomes.errors, b.outcomes.down, b.availability, b.callingHours.probes, b.callingHours.availability])).toEqual([
      [2, 2, 0, null, 2, null],
      [1, 1, 0, null, 1, null],
    ]);
    expect(gamma.total).toMatchObject({ probes: 3, outcomes: { ...none, errors: 3 }, availability: null, firstReachableAt: null, incidents: { count: 0 }, longestOutage: null });
    expect(channel(gamma, G).total.availability).toBeNull();
  });
});

test('day buckets are local days; a day without probes is no data, and a day of only our errors too', () => {
  const r = report({ from: at('03-02 00:00'), to: at('03-07 00:00'), granularity: 'day' });
  expect(r.buckets.map((b) => b.key)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
  // beta's 01:00 probe of 03-03 (UTC 03-02 20:00) belongs to the local day 03-03.
  expect(center(r, 'beta').buckets.map((b) => b.probes)).toEqual([1, 1, 0, 0, 0]);
  const alpha = center(r, 'alpha');
  // 03-05: only the phone's 11:00 reachable call → 1/1. 03-06: nothing at all → no data.
  expect(alpha.buckets.map((b) => [b.probes, b.availability])).toEqual([
    [3, 1], // 10:00 R, 11:00 R, 22:00 R
    [4, 0], // 10:00 unavailable, 11:00 no_answer, 14:00 error, 22:00 unavailable → 0 / 3
    [2, 1 / 2], // 10:00 R, 11:00 no_answer
    [1, 1],
    [0, null],
  ]);
  expect(center(r, 'gamma').buckets[1]).toMatchObject({ probes: 2, outcomes: { ...none, errors: 2 }, availability: null });
});

test('a period crossing the maintenance window: hours inside it are reported apart and never count as down', () => {
  // 03-08 12:00 to 03-10 12:00 (48 h); the window covers 03-09 00:00 – 03-10 12:00 of it (36 h).
  const r = report({ from: at('03-08 12:00'), to: at('03-10 12:00'), granularity: 'day' });
  expect(r.buckets.map((b) => [b.key, (Date.parse(b.to) - Date.parse(b.from)) / 3_600_000])).toEqual([['2026-03-08', 12], ['2026-03-09', 24], ['2026-03-10', 12]]);
  const alpha = center(r, 'alpha');
  // alpha's website was closed at 03-09 10:00 and 03-10 10:00, both inside the window: 2 probes, 0 counted → no data.
  expect(alpha.total).toMatchObject({
    hours: 48 - 36, probes: 2, outcomes: { ...none, down: 2 }, counted: { reachable: 0, down: 0, impaired: 0 }, availability: null,
    maintenance: { hours: 36, probes: 2, outcomes: { ...none, down: 2 } },
    // Calling hours in the period: Mon 03-09 09–18 (9 h) and Tue 03-10 09–12 (3 h), all inside the window.
    callingHours: { hours: 0, probes: 0, availability: null },
    incidents: { count: 1, ids: [3] }, maintenanceWindows: [1],
    // Incident #3 (partial, opened in the window) from 03-09 10:00, still open at the period's end 03-10 12:00: 26 h.
    longestOutage: { kind: 'partial', from: isoAt('03-09 10:00'), to: isoAt('03-10 12:00'), durationMs: 26 * 3_600_000, clippedEnd: true, incidentId: 3 },
  });
  expect(alpha.buckets.map((b) => [b.hours, b.maintenance.hours, b.availability])).toEqual([[12, 0, null], [0, 24, null], [0, 12, null]]);
  // beta has no window: 03-09 00:30 inconclusive, 10:00 R, 03-10 08:30 R → 2/2; calling hours 12, of which 10:00 → 1/1.
  expect(center(r, 'beta').total).toMatchObject({ hours: 48, probes: 3, availability: 1, maintenance: { hours: 0 }, callingHours: { hours: 12, probes: 1, availability: 1 } });
});

test('month and ISO-week buckets in Asia/Almaty across a month boundary', () => {
  const from = parseReportTime('2026-02-23', 'Asia/Almaty', false)?.at as number;
  const to = parseReportTime('2026-03-15', 'Asia/Almaty', true)?.at as number; // a "to" date includes its day
  expect([from, to]).toEqual([Date.parse('2026-02-22T19:00:00Z'), Date.parse('2026-03-15T19:00:00Z')]);
  const months = report({ from, to, granularity: 'month' });
  // Local months: February (23rd–28th, 6 × 24 = 144 h) and March (1st–15th, 15 × 24 = 360 h).
  expect(months.buckets).toEqual([
    { key: '2026-02', from: '2026-02-22T19:00:00.000Z', to: '2026-02-28T19:00:00.000Z' },
    { key: '2026-03', from: '2026-02-28T19:00:00.000Z', to: '2026-03-15T19:00:00.000Z' },
  ]);
  const alpha = center(months, 'alpha');
  expect(alpha.buckets[0]).toMatchObject({ hours: 144, probes: 0, availability: null, callingHours: { hours: 5 * 9 } });
  // March holds every probe: the two-week figures, with 360 − 48 h of maintenance = 312 h. Calling hours: 10 weekdays × 9 − 18 = 72.
  expect(alpha.buckets[1]).toMatchObject({ hours: 312, probes: 19, availability: 9 / 16, callingHours: { hours: 72, availability: 6 / 11 }, incidents: { ids: [1, 2, 3, 5] } });
  const weeks = report({ from, to, granularity: 'week' });
  expect(weeks.buckets.map((b) => [b.key, b.from])).toEqual([
    ['2026-W09', '2026-02-22T19:00:00.000Z'],
    ['2026-W10', '2026-03-01T19:00:00.000Z'],
    ['2026-W11', '2026-03-08T19:00:00.000Z'],
  ]);
  expect(center(weeks, 'alpha').buckets.map((b) => b.availability)).toEqual([null, 6 / 11, 3 / 5]);
  // A year's turn: ISO week 1 of 2027 begins on Monday 2027-01-04; 2027-01-01 is still in 2026-W53.
  expect(bucketsOf('Asia/Almaty', Date.parse('2026-12-31T19:00:00Z'), Date.parse('2027-01-10T19:00:00Z'), 'week').map((b) => b.key)).toEqual(['2026-W53', '2027-W01']);
});

test('the counting rules are part of the report', () => {
  const r = report({});
  expect(r.rules).toMatchObject({
    lang: 'en',
    outcomeClasses: {
      reachable: ['reachable'],
      down: ['unavailable', 'wrong_number', 'closed', 'no_answer'],
      impaired: ['busy', 'voicemail', 'callback_requested', 'redirected'],
      inconclusive: ['inconclusive'],
      errors: ['error'],
    },
    availability: 'reachable / (reachable + down + impaired)',
    confirmations: 1,
    spread: { outcomes: ['no_answer', 'unavailable'], minSlots: 1 },
    timeZone: 'Asia/Almaty',
    callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' },
    rollup: 'hour',
  });
  const topics = r.rules.statements.map((s) => s.topic);
  expect(topics).toEqual(['period', 'classes', 'availability', 'errors', 'noData', 'maintenance', 'callingHours', 'confirmation', 'timeZones', 'granularity', 'centerTotals', 'incidents', 'longestOutage', 'firstLastReachable', 'listing']);
  const text = (t: string, rep = r) => rep.rules.statements.find((s) => s.topic === t)?.text ?? '';
  expect(text('errors')).toMatch(/never counted as down/);
  expect(text('noData')).toMatch(/never 0 %/);
  expect(text('callingHours')).toContain('Mon, Tue, Wed, Thu, Fri 09:00–18:00');
  expect(text('confirmation')).toMatch(/after 1 consecutive identical outcome \(.*span 1 day or half-day \(/);
  expect(text('maintenance')).toMatch(/left out of availability/);
  expect(text('centerTotals')).toMatch(/sums of its channels/);
  expect(text('granularity')).toMatch(/UTC hour/);
  const ru = report({ lang: 'ru' });
  expect(text('errors', ru)).toMatch(/никогда не считаются недоступностью/);
  expect(text('callingHours', ru)).toContain('пн, вт, ср, чт, пт 09:00–18:00');
  expect(report({ lang: 'kk' }).rules.statements).toHaveLength(topics.length);
});

test('filters by ids, region and kind; bad periods and unknown centers are refused', () => {
  expect(report({ region: 'Almaty Region' }).centers.map((c) => c.id)).toEqual(['alpha', 'gamma']);
  expect(report({ kind: 'hotline' }).centers.map((c) => c.id)).toEqual(['beta']);
  expect(report({ centerIds: ['gamma', 'alpha'] }).centers.map((c) => c.id)).toEqual(['alpha', 'gamma']);
  expect(report({ region: 'Nowhere' }).centers).toEqual([]);
  expect(() => report({ centerIds: ['alpha', 'nope'] })).toThrow(UnknownCenterError);
  const refused = (q: Partial<AvailabilityQuery>) => {
    try {
      report(q);
    } catch (e) {
      return e instanceof ReportInputError ? `${e.param}: ${e.describe((p) => `--${p}`)}` : String(e);
    }
    return 'accepted';
  };
  expect(refused({ from: at('03-10 00:00'), to: at('03-09 00:00') })).toMatch(/^from: must be earlier than --to/);
  expect(refused({ from: at('03-10 00:00'), to: at('03-10 00:00') })).toMatch(/^from: must be earlier than --to/);
  expect(refused({ from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2026-03-01T00:00:00Z') })).toMatch(/^to: must be at most two years \(731 days\) after --from/);
  // Instants inside an hour widen to whole hours: the rollups are hourly.
  expect(report({ from: at('03-02 10:20'), to: at('03-02 10:40') }).period).toMatchObject({ from: isoAt('03-02 10:00'), to: isoAt('03-02 11:00'), hours: 1 });
});

test('CSV: a header, then one row per center and period followed by its channels; read back, values and awkward names survive', () => {
  const r = report({});
  const { header, records } = csvRecords(availabilityCsv(r));
  expect(header.slice(0, 12)).toEqual(['level', 'center_id', 'center_name', 'region', 'kind', 'center_time_zone', 'channel_id', 'channel_type', 'channel_value', 'period', 'period_from', 'period_to']);
  // 3 periods (W10, W11, total) × (beta 1 + 1, alpha 1 + 2, gamma 1 + 1) = 3 × 7 = 21 rows.
  expect(records).toHaveLength(21);
  const alphaTotal = records.find((x) => x.level === 'center' && x.center_id === 'alpha' && x.period === 'total');
  expect(alphaTotal).toMatchObject({
    center_name: 'Alpha "Hope", Almaty', region: 'Almaty Region', probes: '19', reachable: '9', down: '8', impaired: '1', errors: '1',
    availability: '0.5625', calling_hours: '72', maintenance_hours: '48', maintenance_probes: '2', incidents: '4', incident_ids: '1 2 3 5',
    maintenance_window_ids: '1', longest_outage_kind: 'dark', longest_outage_minutes: String(23 * 60), first_reachable_at: isoAt('03-02 10:00'),
  });
  expect(records.filter((x) => x.center_id === 'alpha' && x.period === '2026-W10').map((x) => [x.level, x.channel_id, x.channel_value])).toEqual([
    ['center', '', ''],
    ['channel', W, 'https://alpha.example.kz/'],
    // Kept as text for spreadsheets (the formula guard): a leading apostrophe, src/util/csv.ts.
    ['channel', P, "'+7 727 261 95 80"],
  ]);
  // No data is an empty cell, not 0.
  expect(records.filter((x) => x.center_id === 'gamma').map((x) => x.availability)).toEqual(['', '', '', '', '', '']);
  expect(records.find((x) => x.center_id === 'beta')?.center_name).toBe('<script>alert(1)</script> Beta');
});

test('HTML: one printable page, the rules at the top, every value escaped', () => {
  const r = report({});
  const html = availabilityHtml(r);
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(html).toContain('@media print');
  expect(html.indexOf('How the figures are counted')).toBeLessThan(html.indexOf('<section class="center"'));
  for (const s of r.rules.statements) expect(html).toContain(s.text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
  // The center named <script>…</script> is text, and no script element exists at all.
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Beta');
  expect(html).not.toMatch(/<script/i);
  expect(html).toContain('Moving &lt;offices&gt; &amp; phones');
  expect(html).toContain('Alpha &quot;Hope&quot;, Almaty');
  // Times in the report's zone; no data in words.
  expect(html).toContain('2026-03-02 10:00 +05:00');
  expect(html).toContain('no data');
  // The page's CSP allows exactly its one style block.
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  const hash = (REPORT_STYLE_CSP.match(/'sha256-([^']+)'/) ?? [])[1];
  expect(hash).toBe(createHash('sha256').update(style).digest('base64'));
  const ru = availabilityHtml(report({ lang: 'ru' }));
  expect(ru).toContain('<html lang="ru">');
  expect(ru).toContain('Как считаются показатели');
});

describe('the thesis-shaped table', () => {
  test("2026-03-03 in English: each center's contacts under its address, and what that day's probes said", () => {
    const t = buildThesisTable(h.db, { date: '2026-03-03', lang: 'en' }, h.settings, { now: NOW });
    expect(t).toMatchObject({ report: 'thesis-table', date: '2026-03-03', until: '2026-03-03', title: 'Accessibility of the centers on 2026-03-03', columns: { name: 'Name', addressRegion: 'Address/Region', accessibility: 'Accessibility' } });
    // In registry order, like the thesis's numbered rows.
    expect(t.rows.map((r) => [r.no, r.name, r.address, r.contacts, r.accessibility, r.summary])).toEqual([
      [
        1, 'Alpha "Hope", Almaty', 'Taldykorgan, Almaty Region', ['https://alpha.example.kz/', '+7 727 261 95 80'],
        [
          // The website failed twice (10:00, 22:00) and we failed once (14:00); the phone did not answer at 11:00: every contact down.
          'Accessibility: dark',
          'Website https://alpha.example.kz/: unavailable (2), failure on our side (1)',
          'Phone +7 727 261 95 80: no answer (1)',
        ],
        'dark',
      ],
      [2, '<script>alert(1)</script> Beta', 'Akmola Region', ['https://beta.example.kz/'], ['Accessibility: reachable', 'Website https://beta.example.kz/: answers (1)'], 'reachable'],
      [3, 'Gamma', 'Almaty Region', ['https://gamma.example.kz/'], ['Accessibility: no data', 'Website https://gamma.example.kz/: no data: failure on our side (2)'], 'unknown'],
    ]);
    expect(t.rows[0]?.channels.map((c) => [c.verdict, c.attempts])).toEqual([
      ['down', { unavailable: 2, error: 1 }],
      ['down', { no_answer: 1 }],
    ]);
    expect(t.rows[0]).toMatchObject({ from: isoAt('03-03 00:00'), to: isoAt('03-04 00:00') });
  });

  test('other days and languages: a redirect and a reachable phone, in Russian and Kazakh', () => {
    // 03-07: alpha's website redirected at 10:00; nothing from the phone.
    const ru = buildThesisTable(h.db, { date: '2026-03-07', lang: 'ru' }, h.settings);
    expect(ru.rows[0]?.accessibility).toEqual(['Доступность: доступен частично', 'Сайт https://alpha.example.kz/: перенаправляет в другое место (1)', 'Телефон +7 727 261 95 80: нет данных']);
    expect(ru.rows[0]?.address).toBe('Taldykorgan, Алматинская область');
    expect(ru.columns).toEqual({ name: 'Название', addressRegion: 'Адрес/регион', accessibility: 'Доступность' });
    // 03-05: only the phone, which answered.
    const kk = buildThesisTable(h.db, { date: '2026-03-05', lang: 'kk', centerIds: ['alpha'] }, h.settings);
    expect(kk.rows.map((r) => r.accessibility)).toEqual([['Қолжетімділік: қолжетімді', 'Сайт https://alpha.example.kz/: дерек жоқ', 'Телефон +7 727 261 95 80: жауап береді (1)']]);
  });

  test('two local days, 2026-03-03 to 2026-03-04: both days counted, where the one-day table counts only the first', () => {
    const one = buildThesisTable(h.db, { date: '2026-03-03', lang: 'en', centerIds: ['alpha'] }, h.settings);
    const two = buildThesisTable(h.db, { date: '2026-03-03', until: '2026-03-04', lang: 'en', centerIds: ['alpha'] }, h.settings);
    expect(two).toMatchObject({ date: '2026-03-03', until: '2026-03-04', title: 'Accessibility of the centers from 2026-03-03 to 2026-03-04' });
    expect(two.note).toMatch(/^What the probes from 2026-03-03 to 2026-03-04 \(both days included\) said/);
    // W: Tue 10:00 unavailable, 14:00 error, 22:00 unavailable, then Wed 10:00 reachable; P: no_answer at 11:00 on both days.
    expect(two.rows[0]?.channels.map((c) => [c.verdict, c.attempts])).toEqual([
      ['reachable', { unavailable: 2, error: 1, reachable: 1 }],
      ['down', { no_answer: 2 }],
    ]);
    // One answering contact and one down one: partly reachable, where Tuesday alone was dark.
    expect(two.rows[0]?.accessibility).toEqual([
      'Accessibility: partly reachable',
      'Website https://alpha.example.kz/: answers (1), unavailable (2), failure on our side (1)',
      'Phone +7 727 261 95 80: no answer (2)',
    ]);
    expect(two.rows[0]).toMatchObject({ summary: 'partial', from: isoAt('03-03 00:00'), to: isoAt('03-05 00:00') });
    expect(one.rows[0]?.channels.map((c) => c.attempts)).toEqual([{ unavailable: 2, error: 1 }, { no_answer: 1 }]);
    expect(one.rows[0]).toMatchObject({ summary: 'dark', from: isoAt('03-03 00:00'), to: isoAt('03-04 00:00') });
  });

  test("the range ends at the end of until's local day: beta's inconclusive probe at Mon 03-09 00:30 is left out of 03-07 to 03-08", () => {
    // Beta has no zone (the default Asia/Almaty); 00:30 local is 19:30 UTC, in the UTC hour that begins the next local day.
    const before = buildThesisTable(h.db, { date: '2026-03-07', until: '2026-03-08', lang: 'en', centerIds: ['beta'] }, h.settings);
    expect(before.rows[0]).toMatchObject({ summary: 'unknown', from: isoAt('03-07 00:00'), to: isoAt('03-09 00:00') });
    expect(before.rows[0]?.channels.map((c) => [c.verdict, c.attempts])).toEqual([['no_data', {}]]);
    // One day later it is in, with the reachable probe at 10:00.
    const after = buildThesisTable(h.db, { date: '2026-03-08', until: '2026-03-09', lang: 'en', centerIds: ['beta'] }, h.settings);
    expect(after.rows[0]?.channels.map((c) => [c.verdict, c.attempts])).toEqual([['reachable', { reachable: 1, inconclusive: 1 }]]);
  });

  test('range titles and notes in Russian and Kazakh; one day keeps its wording', () => {
    const ru = buildThesisTable(h.db, { date: '2026-03-03', until: '2026-03-04', lang: 'ru' }, h.settings);
    expect(ru.title).toBe('Доступность центров с 2026-03-03 по 2026-03-04');
    expect(ru.note).toMatch(/^Что показали проверки с 2026-03-03 по 2026-03-04 включительно/);
    const kk = buildThesisTable(h.db, { date: '2026-03-03', until: '2026-03-04', lang: 'kk' }, h.settings);
    expect(kk.title).toBe('Орталықтардың 2026-03-03 – 2026-03-04 аралығындағы қолжетімділігі');
    expect(kk.note).toMatch(/^2026-03-03 – 2026-03-04 аралығындағы/);
    // until equal to date is the one-day table, word for word.
    const same = buildThesisTable(h.db, { date: '2026-03-03', until: '2026-03-03', lang: 'ru' }, h.settings);
    expect([same.title, same.note]).toEqual(['Доступность центров на 2026-03-03', buildThesisTable(h.db, { date: '2026-03-03', lang: 'ru' }, h.settings).note]);
    expect(same.note).toMatch(/^Что показали проверки за 2026-03-03 по каждому контакту \(местный день каждого центра; Asia\/Almaty/);
  });

  test('until: a date, not before date, at most 31 days after it', () => {
    const refusal = (until: string) => {
      try {
        parseThesisParams({ date: '2026-03-03', until });
        return null;
      } catch (e) {
        return e instanceof ReportInputError ? `${e.param}: ${e.describe((p) => `--${p}`)}` : String(e);
      }
    };
    expect(refusal('2026-03-02')).toBe('until: must not be before --date: "2026-03-02" is before "2026-03-03"');
    expect(refusal('2026-04-04')).toBe('until: must be at most 31 days after --date: "2026-04-04" is 32 days after "2026-03-03"');
    expect(refusal('04.03.2026')).toBe('until: must be a calendar date written YYYY-MM-DD, not "04.03.2026"');
    expect(refusal('2026-02-30')).toMatch(/^until: must be a calendar date/);
    expect(refusal('')).toMatch(/^until: must be the last day/);
    // The bounds themselves are allowed: the same day, and exactly 31 days later.
    expect(refusal('2026-03-03')).toBeNull();
    expect(refusal('2026-04-03')).toBeNull();
    expect(parseThesisParams({ date: '2026-03-03', until: '2026-04-03' }).query).toMatchObject({ date: '2026-03-03', until: '2026-04-03' });
    expect(parseThesisParams({ date: '2026-03-03' }).query).not.toHaveProperty('until');
    // Built directly, the table refuses the same way rather than showing empty days.
    expect(() => buildThesisTable(h.db, { date: '2026-03-03', until: '2026-03-01', lang: 'en' }, h.settings)).toThrow(ReportInputError);
  });

  test('as CSV and HTML', () => {
    const t = buildThesisTable(h.db, { date: '2026-03-03', lang: 'en' }, h.settings);
    const { header, records } = csvRecords(thesisCsv(t));
    expect(header).toEqual(['no', 'center_id', 'name', 'address_region', 'contacts', 'accessibility', 'summary', 'day_from', 'day_to']);
    expect(records[0]).toMatchObject({
      name: 'Alpha "Hope", Almaty', address_region: 'Taldykorgan, Almaty Region', contacts: 'https://alpha.example.kz/\n+7 727 261 95 80',
      accessibility: 'Accessibility: dark\nWebsite https://alpha.example.kz/: unavailable (2), failure on our side (1)\nPhone +7 727 261 95 80: no answer (1)',
    });
    const html = thesisHtml(t);
    expect(html).toContain('<th>Name</th><th>Address/Region</th><th>Accessibility</th>');
    expect(html).toContain('<td>2. &lt;script&gt;alert(1)&lt;/script&gt; Beta</td>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<div>Phone +7 727 261 95 80: no answer (1)</div>');
  });
});
