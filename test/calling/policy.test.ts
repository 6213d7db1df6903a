// Responsible-calling policy with a fixed clock: every instant is an explicit ISO string with its
// offset (Asia/Almaty and Asia/Aqtobe are UTC+05 since 2024-03-01; Europe/Moscow is UTC+03).
// November 2026: Tue 3, Thu 5, Fri 6, Sat 7, Mon 9, Tue 10, Wed 11, Thu 12, Fri 13, Sat 14, Sun 15, Mon 16.

import { describe, expect, it } from 'vitest';
import {
  decideCall,
  inWindow,
  localTime,
  nextWindowStart,
  timeSlot,
  type CallingFacts,
  type CallingRules,
  type CallingWindow,
} from '../../src/calling/policy.ts';

const ALMATY = 'Asia/Almaty';
const AQTOBE = 'Asia/Aqtobe';
const MOSCOW = 'Europe/Moscow';
const BERLIN = 'Europe/Berlin';

/** An instant from an ISO string with an explicit offset: `at('2026-11-10T10:00+05:00')`. */
const at = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad instant ${iso}`);
  return t;
};
/** Almaty wall-clock time in November 2026. */
const kz = (dayAndTime: string): number => at(`2026-11-${dayAndTime}+05:00`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const WEEKDAYS_9_TO_6: CallingWindow = { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' };

const RULES: CallingRules = {
  window: WEEKDAYS_9_TO_6,
  perNumberPerDay: 1,
  perNumberPerWeek: 3,
  estimatedCallCost: 0.25,
  monthlySpendCap: 20,
};

const facts = (now: number, over: Partial<CallingFacts> = {}): CallingFacts => ({
  now,
  tz: ALMATY,
  recentCalls: [],
  spentThisMonth: 0,
  optedOut: false,
  ...over,
});

describe('fixtures (sanity of the fixed clock)', () => {
  it('the ISO helpers give the expected epoch ms', () => {
    expect(kz('10T10:00')).toBe(Date.UTC(2026, 10, 10, 5, 0));
    expect(kz('16T09:00')).toBe(1_794_801_600_000);
  });

  it.each<[string, number]>([
    ['03T10:00', 2],
    ['05T10:00', 4],
    ['06T10:00', 5],
    ['07T10:00', 6],
    ['09T10:00', 1],
    ['10T10:00', 2],
    ['13T10:00', 5],
    ['14T10:00', 6],
    ['15T10:00', 7],
    ['16T10:00', 1],
  ])('2026-11-%s in Almaty is ISO weekday %i', (when, weekday) => {
    expect(localTime(ALMATY, kz(when)).weekday).toBe(weekday);
  });
});

describe('localTime', () => {
  it.each<[string, string, number, { weekday: number; date: string; minutes: number }]>([
    ['Almaty Tue 10:00', ALMATY, kz('10T10:00'), { weekday: 2, date: '2026-11-10', minutes: 600 }],
    ['Almaty just after midnight (hour "00", next local day)', ALMATY, at('2026-11-10T19:30Z'), { weekday: 3, date: '2026-11-11', minutes: 30 }],
    ['Moscow, same instant', MOSCOW, at('2026-11-10T19:30Z'), { weekday: 2, date: '2026-11-10', minutes: 22 * 60 + 30 }],
    ['Aqtobe (UTC+5)', AQTOBE, at('2026-11-10T04:15Z'), { weekday: 2, date: '2026-11-10', minutes: 9 * 60 + 15 }],
    ['Almaty Sunday 23:59', ALMATY, kz('15T23:59:59.999'), { weekday: 7, date: '2026-11-15', minutes: 23 * 60 + 59 }],
    ['Almaty in March 2024, after the switch to UTC+5', ALMATY, at('2024-03-04T04:00Z'), { weekday: 1, date: '2024-03-04', minutes: 9 * 60 }],
  ])('%s', (_name, tz, t, expected) => {
    expect(localTime(tz, t)).toEqual(expected);
  });
});

describe('inWindow: Mon–Fri 09:00–18:00 Asia/Almaty', () => {
  it.each<[string, boolean]>([
    ['10T10:00', true], // Tue
    ['10T09:00', true], // from is inclusive
    ['10T08:59', false],
    ['10T08:59:59.999', false],
    ['10T17:59', true],
    ['10T17:59:59.999', true],
    ['10T18:00', false], // to is exclusive
    ['14T11:00', false], // Sat
    ['15T11:00', false], // Sun
    ['16T09:00', true], // Mon
    ['13T17:30', true], // Fri
    ['13T18:30', false],
  ])('2026-11-%s → %s', (when, expected) => {
    expect(inWindow(WEEKDAYS_9_TO_6, ALMATY, kz(when))).toBe(expected);
  });

  it('the same instant is judged in the given zone', () => {
    const t = at('2026-11-10T05:30Z'); // 10:30 Almaty, 08:30 Moscow
    expect(inWindow(WEEKDAYS_9_TO_6, ALMATY, t)).toBe(true);
    expect(inWindow(WEEKDAYS_9_TO_6, MOSCOW, t)).toBe(false);
  });
});

describe('decideCall: the calling window', () => {
  it('allows Tue 10:00 local', () => {
    expect(decideCall(RULES, facts(kz('10T10:00')))).toEqual({ allow: true });
  });

  it.each<[string, string, string]>([
    ['Sat 11:00', '14T11:00', '16T09:00'],
    ['Sun 23:00', '15T23:00', '16T09:00'],
    ['Tue 08:59', '10T08:59', '10T09:00'],
    ['Tue 08:59:30.5', '10T08:59:30.5', '10T09:00'],
    ['Tue 18:00', '10T18:00', '11T09:00'],
    ['Fri 18:00', '13T18:00', '16T09:00'],
    ['Tue 00:00', '10T00:00', '10T09:00'],
  ])('refuses %s with retryAt at the next opening', (_name, now, retry) => {
    const d = decideCall(RULES, facts(kz(now)));
    expect(d).toEqual({ allow: false, reason: 'outside_hours', detail: expect.any(String), retryAt: kz(retry) });
  });

  it('the outside_hours detail names the window and the zone', () => {
    const d = decideCall(RULES, facts(kz('14T11:00')));
    expect(d.allow).toBe(false);
    if (d.allow) return;
    expect(d.detail).toContain('Mon,Tue,Wed,Thu,Fri 09:00-18:00');
    expect(d.detail).toContain(ALMATY);
  });

  it('an empty window (days []) → outside_hours with retryAt null', () => {
    const rules: CallingRules = { ...RULES, window: { days: [], from: '09:00', to: '18:00' } };
    expect(decideCall(rules, facts(kz('10T10:00')))).toEqual({ allow: false, reason: 'outside_hours', detail: expect.any(String), retryAt: null });
  });

  it('a window whose from equals to never opens', () => {
    const rules: CallingRules = { ...RULES, window: { days: [1, 2, 3, 4, 5], from: '09:00', to: '09:00' } };
    expect(decideCall(rules, facts(kz('10T09:00')))).toEqual({ allow: false, reason: 'outside_hours', detail: expect.any(String), retryAt: null });
  });
});

describe('nextWindowStart', () => {
  it.each<[string, string, string]>([
    ['Fri 18:30 → Mon 09:00', '13T18:30', '16T09:00'],
    ['Tue 07:00 → Tue 09:00', '10T07:00', '10T09:00'],
    ['Tue 07:07:13.5 (not on a minute) → Tue 09:00:00.000', '10T07:07:13.5', '10T09:00'],
    ['Tue 08:59:00.001 → Tue 09:00', '10T08:59:00.001', '10T09:00'],
    ['Sat 00:00 → Mon 09:00', '14T00:00', '16T09:00'],
    ['Tue 18:00 → Wed 09:00', '10T18:00', '11T09:00'],
    ['Thu 23:59:59.999 → Fri 09:00', '12T23:59:59.999', '13T09:00'],
  ])('%s (Asia/Almaty)', (_name, from, expected) => {
    expect(iso(nextWindowStart(WEEKDAYS_9_TO_6, ALMATY, kz(from)))).toBe(iso(kz(expected)));
  });

  it('returns the instant itself when it is inside the window', () => {
    const t = kz('10T10:00:30.123');
    expect(nextWindowStart(WEEKDAYS_9_TO_6, ALMATY, t)).toBe(t);
    expect(nextWindowStart(WEEKDAYS_9_TO_6, ALMATY, kz('10T09:00'))).toBe(kz('10T09:00'));
  });

  it('finds a window on another day at an odd minute', () => {
    const saturdayMorning: CallingWindow = { days: [6], from: '10:37', to: '12:00' };
    expect(iso(nextWindowStart(saturdayMorning, ALMATY, kz('10T13:00')))).toBe(iso(kz('14T10:37')));
  });

  it('a Mondays-only window, asked on Monday after closing → the next Monday 09:00', () => {
    const mondays: CallingWindow = { days: [1], from: '09:00', to: '18:00' };
    expect(iso(nextWindowStart(mondays, ALMATY, kz('09T18:00')))).toBe(iso(kz('16T09:00')));
  });

  it('an empty window → null', () => {
    expect(nextWindowStart({ days: [], from: '09:00', to: '18:00' }, ALMATY, kz('10T10:00'))).toBeNull();
  });

  it('a window shorter than the 15-minute search step is still found', () => {
    const fiveMinutes: CallingWindow = { days: [2], from: '09:00', to: '09:05' };
    expect(iso(nextWindowStart(fiveMinutes, ALMATY, kz('10T07:07')))).toBe(iso(kz('10T09:00')));
  });
});

describe('other zones', () => {
  it('Asia/Aqtobe: allowed Tue 10:00 local, next opening from Fri 18:30 is Mon 09:00 local', () => {
    expect(decideCall(RULES, facts(at('2026-11-10T10:00+05:00'), { tz: AQTOBE }))).toEqual({ allow: true });
    expect(iso(nextWindowStart(WEEKDAYS_9_TO_6, AQTOBE, at('2026-11-13T18:30+05:00')))).toBe('2026-11-16T04:00:00.000Z');
  });

  it('Europe/Moscow: the window is Moscow wall-clock time', () => {
    // 08:00 Moscow = 10:00 Almaty: fine for Almaty, too early for Moscow.
    const t = at('2026-11-10T05:00Z');
    expect(decideCall(RULES, facts(t))).toEqual({ allow: true });
    expect(decideCall(RULES, facts(t, { tz: MOSCOW }))).toEqual({
      allow: false,
      reason: 'outside_hours',
      detail: expect.stringContaining(MOSCOW),
      retryAt: at('2026-11-10T09:00+03:00'),
    });
    // 17:30 Moscow = 19:30 Almaty: the other way round.
    const evening = at('2026-11-10T17:30+03:00');
    expect(decideCall(RULES, facts(evening, { tz: MOSCOW }))).toEqual({ allow: true });
    expect(decideCall(RULES, facts(evening))).toMatchObject({ allow: false, reason: 'outside_hours', retryAt: kz('11T09:00') });
  });

  it('Europe/Moscow: from Fri 18:30 the next opening is Mon 09:00 Moscow', () => {
    expect(iso(nextWindowStart(WEEKDAYS_9_TO_6, MOSCOW, at('2026-11-13T18:30+03:00')))).toBe('2026-11-16T06:00:00.000Z');
  });

  it('Europe/Berlin across the end of summer time (Sun 2026-10-25): Mon 09:00 is UTC+1', () => {
    expect(iso(nextWindowStart(WEEKDAYS_9_TO_6, BERLIN, at('2026-10-23T18:30+02:00')))).toBe('2026-10-26T08:00:00.000Z');
  });
});

describe('decideCall: per-number caps', () => {
  it('1 call in the last 24 h → daily_cap, retry when it is 24 h old (inside the window)', () => {
    const d = decideCall(RULES, facts(kz('10T14:00'), { recentCalls: [kz('10T10:00')] }));
    expect(d).toEqual({ allow: false, reason: 'daily_cap', detail: expect.stringContaining('cap 1'), retryAt: kz('11T10:00') });
  });

  it('1 call on Friday afternoon → daily_cap, retry at the next opening after the 24 h mark (Monday 09:00)', () => {
    const d = decideCall(RULES, facts(kz('13T17:45'), { recentCalls: [kz('13T17:30')] }));
    expect(d).toMatchObject({ allow: false, reason: 'daily_cap', retryAt: kz('16T09:00') });
  });

  it('the 24 h mark inside the window is the retry itself; after closing it moves to the next morning', () => {
    expect(decideCall(RULES, facts(kz('10T17:45'), { recentCalls: [kz('10T17:30')] }))).toMatchObject({ allow: false, reason: 'daily_cap', retryAt: kz('11T17:30') });
    // A call at 18:30 (placed by hand, outside the window): 24 h later is Wed 18:30, after closing.
    expect(decideCall(RULES, facts(kz('10T19:00'), { recentCalls: [kz('10T18:30')] }))).toMatchObject({ allow: false, reason: 'daily_cap', retryAt: kz('12T09:00') });
  });

  it('a call exactly 24 h old no longer counts; one 1 ms younger still does', () => {
    const now = kz('10T10:00');
    expect(decideCall(RULES, facts(now, { recentCalls: [now - DAY] }))).toEqual({ allow: true });
    expect(decideCall(RULES, facts(now, { recentCalls: [now - DAY + 1] }))).toMatchObject({ allow: false, reason: 'daily_cap', retryAt: now + 1 });
  });

  it('perNumberPerDay 2: the retry waits for the oldest of the last two calls, whatever the input order', () => {
    const rules: CallingRules = { ...RULES, perNumberPerDay: 2, perNumberPerWeek: 10 };
    expect(decideCall(rules, facts(kz('10T12:00'), { recentCalls: [kz('10T11:00')] }))).toEqual({ allow: true });
    const d = decideCall(rules, facts(kz('10T12:00'), { recentCalls: [kz('10T11:00'), kz('10T09:10'), kz('10T10:00')] }));
    expect(d).toEqual({ allow: false, reason: 'daily_cap', detail: expect.stringContaining('3 time(s)'), retryAt: kz('11T10:00') });
  });

  it('3 calls in 7 days (over 3 days) → weekly_cap, retry when the oldest leaves the 7-day window', () => {
    const recentCalls = [kz('09T09:00'), kz('03T10:00'), kz('05T11:00')];
    const d = decideCall(RULES, facts(kz('10T09:30'), { recentCalls }));
    expect(d).toEqual({
      allow: false,
      reason: 'weekly_cap',
      detail: expect.stringMatching(/3 time\(s\) in the last 7 days \(cap 3\)/),
      retryAt: kz('10T10:00'),
    });
    // And at that instant the call is allowed.
    expect(decideCall(RULES, facts(kz('10T10:00'), { recentCalls }))).toEqual({ allow: true });
  });

  it('weekly_cap retry that lands on a weekend moves to Monday 09:00', () => {
    // The oldest call was on a Saturday (placed under an older window); 7 days later is Saturday again.
    const recentCalls = [kz('07T12:00'), kz('09T10:00'), kz('11T09:00')];
    const d = decideCall(RULES, facts(kz('12T10:00'), { recentCalls }));
    expect(d).toMatchObject({ allow: false, reason: 'weekly_cap', retryAt: kz('16T09:00') });
  });

  it('weekly cap with 4 calls and cap 3: the retry waits for the second-oldest', () => {
    const recentCalls = [kz('04T10:00'), kz('05T10:00'), kz('06T10:00'), kz('09T10:00')];
    const rules: CallingRules = { ...RULES, perNumberPerWeek: 3 };
    const d = decideCall(rules, facts(kz('10T12:00'), { recentCalls }));
    expect(d).toMatchObject({ allow: false, reason: 'weekly_cap', retryAt: kz('12T10:00') });
  });

  it('calls older than 7 days are ignored', () => {
    const now = kz('10T10:00');
    const recentCalls = [now - 7 * DAY, kz('05T11:00'), kz('09T09:00')];
    expect(decideCall(RULES, facts(now, { recentCalls }))).toEqual({ allow: true });
  });

  it('caps are checked before the hours, and their retry still lands inside the window', () => {
    const d = decideCall(RULES, facts(kz('14T11:00'), { recentCalls: [kz('13T17:00')] }));
    expect(d).toMatchObject({ allow: false, reason: 'daily_cap', retryAt: kz('16T09:00') });
  });

  it('the daily cap is reported before the weekly cap', () => {
    const recentCalls = [kz('05T10:00'), kz('09T10:00'), kz('10T09:00')];
    expect(decideCall(RULES, facts(kz('10T12:00'), { recentCalls }))).toMatchObject({ allow: false, reason: 'daily_cap', retryAt: kz('11T09:00') });
  });
});

describe('decideCall: opt-out and spend', () => {
  it('opted out → refused for good, and it wins over everything', () => {
    const everythingWrong = facts(kz('14T11:00'), {
      optedOut: true,
      spentThisMonth: 1_000,
      recentCalls: [kz('14T10:00'), kz('13T10:00'), kz('12T10:00'), kz('11T10:00')],
    });
    expect(decideCall({ ...RULES, monthlySpendCap: 0, window: { days: [], from: '09:00', to: '18:00' } }, everythingWrong)).toEqual({
      allow: false,
      reason: 'opted_out',
      detail: expect.any(String),
      retryAt: null,
    });
    expect(decideCall(RULES, facts(kz('10T10:00'), { optedOut: true }))).toEqual({ allow: false, reason: 'opted_out', detail: expect.any(String), retryAt: null });
  });

  it('spent + estimated cost > cap → spend_cap until the first instant of the next UTC month', () => {
    const d = decideCall(RULES, facts(kz('10T10:00'), { spentThisMonth: 19.9 }));
    expect(d).toEqual({ allow: false, reason: 'spend_cap', detail: expect.any(String), retryAt: at('2026-12-01T00:00:00.000Z') });
    if (d.allow) return;
    expect(d.detail).toContain('19.90');
    expect(d.detail).toContain('20.00');
  });

  it('reaching the cap exactly is still allowed', () => {
    expect(decideCall(RULES, facts(kz('10T10:00'), { spentThisMonth: 19.75 }))).toEqual({ allow: true });
  });

  it('the month is the UTC month, not the local one', () => {
    // 2026-11-30T20:00Z is already 1 December 01:00 in Almaty, but still November in UTC.
    const d = decideCall(RULES, facts(at('2026-11-30T20:00Z'), { spentThisMonth: 20 }));
    expect(d).toMatchObject({ allow: false, reason: 'spend_cap', retryAt: at('2026-12-01T00:00Z') });
  });

  it('December rolls over to January of the next year', () => {
    const d = decideCall(RULES, facts(at('2026-12-15T05:00Z'), { spentThisMonth: 20 }));
    expect(d).toMatchObject({ allow: false, reason: 'spend_cap', retryAt: at('2027-01-01T00:00Z') });
  });

  it('the spend cap wins over the per-number caps and the hours', () => {
    const d = decideCall(RULES, facts(kz('14T11:00'), { spentThisMonth: 20, recentCalls: [kz('14T10:00')] }));
    expect(d).toMatchObject({ allow: false, reason: 'spend_cap' });
  });

  it('monthlySpendCap 0 → never allowed, at any hour of a whole week', () => {
    const rules: CallingRules = { ...RULES, monthlySpendCap: 0 };
    for (let t = kz('09T00:00'); t < kz('16T00:00'); t += HOUR) {
      const d = decideCall(rules, facts(t));
      expect(d.allow, iso(t) ?? '').toBe(false);
      expect(d).toMatchObject({ reason: 'spend_cap' });
    }
  });

  it('monthlySpendCap 0 disables calling even when the estimated call cost is 0', () => {
    const rules: CallingRules = { ...RULES, monthlySpendCap: 0, estimatedCallCost: 0 };
    expect(decideCall(rules, facts(kz('10T10:00')))).toMatchObject({ allow: false, reason: 'spend_cap' });
  });
});

describe('timeSlot', () => {
  it.each<[string, string, number, string]>([
    ['Almaty 09:00', ALMATY, kz('10T09:00'), '2026-11-10/am'],
    ['Almaty 12:59', ALMATY, kz('10T12:59'), '2026-11-10/am'],
    ['Almaty 12:59:59.999', ALMATY, kz('10T12:59:59.999'), '2026-11-10/am'],
    ['Almaty 13:00', ALMATY, kz('10T13:00'), '2026-11-10/pm'],
    ['Almaty 17:59', ALMATY, kz('10T17:59'), '2026-11-10/pm'],
    ['Almaty 00:00', ALMATY, kz('10T00:00'), '2026-11-10/am'],
    ['Almaty 23:59', ALMATY, kz('10T23:59'), '2026-11-10/pm'],
    // The local date, not the UTC one.
    ['20:00Z is the next morning in Almaty', ALMATY, at('2026-11-10T20:00Z'), '2026-11-11/am'],
    ['20:00Z is still the evening in Moscow', MOSCOW, at('2026-11-10T20:00Z'), '2026-11-10/pm'],
    ['08:30Z is afternoon in Almaty', ALMATY, at('2026-11-10T08:30Z'), '2026-11-10/pm'],
    ['08:30Z is morning in Moscow', MOSCOW, at('2026-11-10T08:30Z'), '2026-11-10/am'],
    ['Aqtobe 12:30', AQTOBE, at('2026-11-10T12:30+05:00'), '2026-11-10/am'],
  ])('%s → %s', (_name, tz, t, slot) => {
    expect(timeSlot(tz, t)).toBe(slot);
  });
});
