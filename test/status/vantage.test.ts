import { describe, expect, it } from 'vitest';
import type { ChannelStatus } from '../../src/domain.ts';
import { CHANNEL_STATUSES } from '../../src/domain.ts';
import { combineVantage, flagsOf, flagsText, type CombinedState, type PointState } from '../../src/status/vantage.ts';

const pt = (point: string, status: ChannelStatus, o: Partial<PointState> = {}): PointState => ({
  point,
  domestic: false,
  stale: false,
  status,
  since: 1000,
  reason: `${point}:${status}`,
  ...o,
});
const was = (status: ChannelStatus, since: number | null = 1, reason: string | null = 'before'): CombinedState => ({ status, since, reason });

describe('combineVantage', () => {
  it('no counting point: the status stays what it was, and every silent point is "no data"', () => {
    const v = combineVantage([pt('central', 'unknown'), pt('kz', 'reachable', { stale: true, domestic: true })], was('closed', 5, 'r'), 0);
    expect(v).toEqual({ status: 'closed', since: 5, reason: 'r', flags: [], deciding: null, noData: ['central', 'kz'] });
    expect(combineVantage([pt('central', 'not_probed'), pt('kz', 'unknown')], was('unknown', null, null), 0).status).toBe('unknown');
  });

  it('any counting point that answers makes the channel reachable', () => {
    const v = combineVantage([pt('central', 'unavailable'), pt('de', 'reachable', { since: 300 })], was('unavailable'), 0);
    expect(v).toMatchObject({ status: 'reachable', since: 300, reason: 'de:reachable', flags: [], deciding: 'de', noData: [] });
  });

  it('domestic answers, abroad fails: reachable and geo_restricted, decided by the domestic point', () => {
    const v = combineVantage([pt('central', 'unavailable'), pt('kz', 'reachable', { domestic: true, since: 700 })], was('unknown'), 0);
    expect(v).toMatchObject({ status: 'reachable', flags: ['geo_restricted'], deciding: 'kz', since: 700 });
    // Abroad answers and the domestic point fails: reachable, but that is not geo-restriction.
    const w = combineVantage([pt('central', 'reachable'), pt('kz', 'unavailable', { domestic: true })], was('unknown'), 0);
    expect(w).toMatchObject({ status: 'reachable', flags: [], deciding: 'central' });
    // Both answer: no flag.
    expect(combineVantage([pt('central', 'reachable'), pt('kz', 'reachable', { domestic: true })], was('unknown'), 0).flags).toEqual([]);
  });

  it('a point abroad that is stale or has no verdict yet does not make a domestic answer geo_restricted', () => {
    const stale = combineVantage([pt('central', 'unavailable', { stale: true }), pt('kz', 'reachable', { domestic: true })], was('unknown'), 0);
    expect(stale).toMatchObject({ status: 'reachable', flags: [], noData: ['central'] });
    const none = combineVantage([pt('central', 'unknown'), pt('kz', 'reachable', { domestic: true })], was('unknown'), 0);
    expect(none.flags).toEqual([]);
  });

  it('quorum 0: down only when every counting point agrees; since is when the last of them began to fail', () => {
    const v = combineVantage([pt('central', 'unavailable', { since: 100 }), pt('kz', 'unavailable', { since: 400 }), pt('eu', 'unknown')], was('reachable'), 0);
    expect(v).toMatchObject({ status: 'unavailable', since: 400, deciding: 'kz', reason: 'kz:unavailable', noData: ['eu'] });
    const split = combineVantage([pt('central', 'unavailable'), pt('kz', 'no_answer')], was('reachable', 9, 'ok'), 0);
    expect(split).toEqual({ status: 'reachable', since: 9, reason: 'ok', flags: ['points_disagree'], deciding: null, noData: [] });
  });

  it('staying in the same status keeps its since', () => {
    const v = combineVantage([pt('central', 'reachable', { since: 100 }), pt('kz', 'reachable', { since: 50 })], was('reachable', 10), 0);
    expect(v.since).toBe(10);
  });

  it('quorum n: n agreeing failures and no reachable point decide; fewer do not', () => {
    const three = [pt('a', 'closed'), pt('b', 'closed'), pt('c', 'no_answer')];
    expect(combineVantage(three, was('reachable'), 2)).toMatchObject({ status: 'closed', flags: [] });
    expect(combineVantage(three, was('reachable', 1, 'x'), 3)).toMatchObject({ status: 'reachable', flags: ['points_disagree'], deciding: null });
    // With quorum a reachable point still wins.
    expect(combineVantage([...three, pt('d', 'reachable')], was('closed'), 2).status).toBe('reachable');
    // A tie at the quorum keeps the present status if it is one of them, else nothing is decided.
    const tie = [pt('a', 'closed'), pt('b', 'closed'), pt('c', 'no_answer'), pt('d', 'no_answer')];
    expect(combineVantage(tie, was('no_answer'), 2)).toMatchObject({ status: 'no_answer', flags: [] });
    expect(combineVantage(tie, was('reachable'), 2)).toMatchObject({ status: 'reachable', flags: ['points_disagree'] });
  });

  it("a stale point's silence never turns a channel down", () => {
    // kz (domestic) last said reachable, then its agents went silent; central still fails.
    const v = combineVantage([pt('central', 'unavailable'), pt('kz', 'reachable', { domestic: true, stale: true })], was('reachable', 3, 'ok'), 0);
    expect(v).toEqual({ status: 'reachable', since: 3, reason: 'ok', flags: ['stale_hold'], deciding: null, noData: ['kz'] });
    // A stale point that last agreed does not hold anything back.
    expect(combineVantage([pt('central', 'unavailable'), pt('kz', 'unavailable', { stale: true })], was('reachable'), 0).status).toBe('unavailable');
    // Already in that status: it stays, decided by the counting point.
    expect(combineVantage([pt('central', 'unavailable'), pt('kz', 'reachable', { stale: true })], was('unavailable'), 0)).toMatchObject({ status: 'unavailable', flags: [], deciding: 'central' });
    // A stale point without a verdict holds nothing.
    expect(combineVantage([pt('central', 'closed'), pt('kz', 'unknown', { stale: true })], was('reachable'), 0).status).toBe('closed');
  });

  it('opted_out at any point, even a stale one, is final', () => {
    const v = combineVantage([pt('central', 'reachable'), pt('kz', 'opted_out', { stale: true, since: 77 })], was('reachable'), 0);
    expect(v).toMatchObject({ status: 'opted_out', since: 77, deciding: 'kz' });
  });

  it('one point alone behaves like the single daemon: its verdict is the status', () => {
    for (const status of CHANNEL_STATUSES) {
      const v = combineVantage([pt('central', status, { since: 42 })], was('unknown', null, null), 0);
      if (status === 'unknown' || status === 'not_probed') expect(v.status).toBe('unknown');
      else expect(v).toMatchObject({ status, since: 42, deciding: 'central', flags: [] });
    }
  });

  it('is pure: the same inputs give the same verdict, and the inputs are not changed', () => {
    const states = [pt('central', 'closed'), pt('kz', 'reachable', { domestic: true })];
    const copy = structuredClone(states);
    expect(combineVantage(states, was('unknown'), 0)).toEqual(combineVantage(copy, was('unknown'), 0));
    expect(states).toEqual(copy);
  });

  it('flags round-trip through their stored text, unknown words dropped', () => {
    expect(flagsText([])).toBeNull();
    expect(flagsOf(flagsText(['geo_restricted', 'stale_hold']))).toEqual(['geo_restricted', 'stale_hold']);
    expect(flagsOf('geo_restricted,bogus')).toEqual(['geo_restricted']);
    expect(flagsOf(null)).toEqual([]);
  });

  it('holds its rules over every combination of three points, their staleness, the present status and the quorum', () => {
    const statuses: ChannelStatus[] = ['reachable', 'unavailable', 'no_answer', 'unknown', 'not_probed'];
    const failing = (x: ChannelStatus) => x !== 'reachable' && x !== 'unknown' && x !== 'not_probed';
    let cases = 0;
    for (const a of statuses) for (const b of statuses) for (const c of statuses)
      for (const staleKz of [false, true]) for (const staleEu of [false, true])
        for (const before of ['reachable', 'unavailable', 'unknown'] as ChannelStatus[]) for (const quorum of [0, 1, 2]) {
          const states = [pt('central', a), pt('kz', b, { domestic: true, stale: staleKz }), pt('eu', c, { stale: staleEu })];
          const v = combineVantage(states, was(before), quorum);
          const counting = states.filter((s) => !s.stale && s.status !== 'unknown' && s.status !== 'not_probed');
          const label = JSON.stringify({ a, b, c, staleKz, staleEu, before, quorum, v });
          cases++;
          // Anyone who reaches it makes it reachable; nobody counting changes nothing.
          if (counting.some((s) => s.status === 'reachable')) expect(v.status, label).toBe('reachable');
          if (counting.length === 0) expect(v.status, label).toBe(before);
          // geo_restricted exactly when a counting domestic point answers and a counting point abroad does not.
          const geo = counting.some((s) => s.domestic && s.status === 'reachable') && counting.some((s) => !s.domestic && s.status !== 'reachable');
          expect(v.flags.includes('geo_restricted'), label).toBe(geo);
          // The status is never something no counting point said, unless it stayed what it was.
          if (v.status !== before) expect(counting.some((s) => s.status === v.status), label).toBe(true);
          if (v.status !== before && failing(v.status)) {
            const agree = counting.filter((s) => s.status === v.status).length;
            if (quorum === 0) expect(agree, label).toBe(counting.length);
            else expect(agree, label).toBeGreaterThanOrEqual(quorum);
            expect(counting.some((s) => s.status === 'reachable'), label).toBe(false);
            // A silent point that last said otherwise holds a new failure back.
            expect(states.some((s) => s.stale && s.status !== 'unknown' && s.status !== 'not_probed' && s.status !== v.status), label).toBe(false);
          }
          // Whenever the status changed, a deciding point is named; the no-data list is every silent point.
          if (v.status !== before) expect(v.deciding, label).not.toBeNull();
          expect(v.noData, label).toEqual(states.filter((s) => s.stale || s.status === 'unknown' || s.status === 'not_probed').map((s) => s.point));
        }
    expect(cases).toBe(4500);
  });
});
