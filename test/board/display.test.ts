// The one mapping from status to tone, symbol and words (src/board/display.ts), over every
// combination: a badge, a bar and a sentence about the same center must never contradict each other.

import { describe, expect, test } from 'vitest';
import { CHANNEL_STATUSES, OUTCOMES } from '../../src/domain.ts';
import { centerDisplay, channelDisplay, channelTone, dayTone, incidentEnd, TONE_SYMBOL, type Tone } from '../../src/board/display.ts';
import { banners, headline, UPCOMING_MS } from '../../src/board/headline.ts';
import { parseBoardQuery } from '../../src/board/query.ts';
import { CENTER_STATUSES, DOWN_STATUSES, IMPAIRED_STATUSES, evaluateCenter, type ChannelView } from '../../src/status/center.ts';
import type { ChannelStatus } from '../../src/domain.ts';

const expectedTone = (s: string): Tone =>
  s === 'reachable' ? 'up' : DOWN_STATUSES.has(s as ChannelStatus) ? 'down' : IMPAIRED_STATUSES.has(s as ChannelStatus) ? 'partial' : 'none';

describe('channels', () => {
  test.each(CHANNEL_STATUSES.map((s) => [s]))('%s has one tone, and its symbol is that tone\'s', (status) => {
    const d = channelDisplay(status, null);
    expect(d.tone).toBe(expectedTone(status));
    expect(d.symbol).toBe(TONE_SYMBOL[d.tone]);
  });

  // Every confirmed status × every latest outcome: the latest attempt is named apart only when it
  // is a verdict about the center that differs from the status; our error and an attempt that
  // could not tell never sit beside "answers" ("✓ answers · could not be checked").
  const pairs = CHANNEL_STATUSES.flatMap((s) => [null, ...OUTCOMES].map((o) => [s, o] as const));
  test.each(pairs)('status %s, latest outcome %s', (status, latest) => {
    const d = channelDisplay(status, latest);
    const shouldNote = latest !== null && latest !== status && latest !== 'error' && latest !== 'inconclusive' && channelTone(latest) !== 'none';
    expect(d.latest).toBe(shouldNote ? 'differs' : 'none');
    expect(d.tone).toBe(expectedTone(status));
  });
});

describe('centers', () => {
  const statusesOfChannels = CHANNEL_STATUSES;
  // Every center status × every pair of channel statuses × verified or not.
  const cases = CENTER_STATUSES.flatMap((cs) => statusesOfChannels.flatMap((a) => statusesOfChannels.map((b) => [cs, a, b] as const)));
  test('every center status with every pair of channel statuses gets a badge that agrees with its channels', () => {
    for (const [cs, a, b] of cases) {
      for (const verified of [true, false]) {
        const channels = [a, b].map((status) => ({ status, lastVerifiedAt: verified ? '2026-12-01T00:00:00.000Z' : null }));
        const d = centerDisplay(cs, channels);
        const tones = channels.map((c) => channelTone(c.status));
        const where = `${cs} over [${a}, ${b}], verified ${verified}`;
        expect(d.symbol, where).toBe(cs === 'opted_out' ? '⊘' : TONE_SYMBOL[d.tone]);
        if (cs === 'reachable') expect(d.tone, where).toBe('up');
        if (cs === 'dark') expect(d.tone, where).toBe('down');
        if (cs === 'unknown') expect(d.label, where).toBe(verified ? 'unknown' : 'not_checked');
        // A yellow "partly reachable" only over a line that is alive; over lines that all fail it is down.
        if (cs === 'partial') {
          const allDown = tones.includes('down') && !tones.includes('up') && !tones.includes('partial');
          expect([d.tone, d.label], where).toEqual(allDown ? ['down', 'going_dark'] : ['partial', 'partial']);
        }
      }
    }
  });

  // The status machine's own partial centers: the badge follows what it decided, including the
  // grace period before dark ("going dark"), which is a partial status with every line down.
  test('the status machine\'s partial centers: alive ones are partly reachable; with no line alive and one down (pending dark included) they are shown down', () => {
    const ch = (status: ChannelStatus): ChannelView => ({ id: status, type: 'phone', status, since: 0, confirmedAt: 0, reason: null, probeable: true });
    for (const a of CHANNEL_STATUSES) {
      for (const b of CHANNEL_STATUSES) {
        const decision = evaluateCenter([ch(a), ch(b)], null, 1000, { darkAfterMs: 60_000 });
        const d = centerDisplay(decision.status, [a, b].map((status) => ({ status, lastVerifiedAt: '2026-12-01T00:00:00.000Z' })));
        if (decision.status !== 'partial') continue;
        const someDown = [a, b].some((s) => DOWN_STATUSES.has(s));
        expect(d.tone, `${a}, ${b}`).toBe(decision.alive || !someDown ? 'partial' : 'down');
        if (decision.pendingDark) expect(d.tone, `${a}, ${b}`).toBe('down');
      }
    }
  });

  test('archived channels are not counted', () => {
    expect(centerDisplay('partial', [{ status: 'reachable', lastVerifiedAt: null, archived: true }, { status: 'no_answer', lastVerifiedAt: null }]).tone).toBe('down');
  });
});

describe('days of the bar', () => {
  // Every small combination of counts.
  test('tones over every combination of 0 to 3 reachable, down and impaired attempts', () => {
    for (let r = 0; r <= 3; r++) {
      for (let d = 0; d <= 3; d++) {
        for (let i = 0; i <= 3; i++) {
          const tone = dayTone({ reachable: r, down: d, impaired: i });
          const want: Tone = r + d + i === 0 ? 'none' : d + i === 0 ? 'up' : r + i === 0 ? 'down' : 'partial';
          expect(tone, `${r}/${d}/${i}`).toBe(want);
        }
      }
    }
  });
  test('a day of lines that answered but gave no help is partial, not red, though 0 % reached the center', () => {
    expect(dayTone({ reachable: 0, down: 0, impaired: 4 })).toBe('partial');
  });
});

describe('incidents', () => {
  test('an open incident is "ongoing", never "closed: ongoing"', () => {
    expect(incidentEnd(null)).toBe('ongoing');
    expect(incidentEnd('2026-12-01T00:00:00.000Z')).toBe('closed');
  });
});

describe('the headline and the banners', () => {
  test('nothing checked: says so, never "0 of 45 reachable"', () => {
    expect(headline({ total: 45, reachable: 0, checked: 0 })).toEqual({ kind: 'nothing_checked', total: 45 });
  });
  test('some checked: the figures and how many were never checked', () => {
    expect(headline({ total: 45, reachable: 12, checked: 40 })).toEqual({ kind: 'figures', reachable: 12, total: 45, notChecked: 5 });
  });
  test('a failing self-check is the first banner; maintenance now and within a week follow, later and past ones do not', () => {
    const now = 1_000_000_000;
    const w = (startsAt: number, endsAt: number, reason: string) => ({ startsAt, endsAt, centerId: null, region: 'Almaty Region', reason });
    const b = banners(now - 60_000, [w(now + UPCOMING_MS + 1, now + UPCOMING_MS + 10, 'far'), w(now + 3600_000, now + 7200_000, 'soon'), w(now - 10, now + 10, 'now'), w(now - 100, now - 1, 'past')], now);
    expect(b.map((x) => [x.kind, 'reason' in x ? x.reason : null])).toEqual([['degraded', null], ['maintenance_now', 'now'], ['maintenance_upcoming', 'soon']]);
    expect(banners(null, [], now)).toEqual([]);
  });
});

describe('a public page\'s query', () => {
  const known = { kinds: new Set(['hotline']), regions: new Set(['Almaty Region']) };
  test.each([
    [{ lang: 'de' }, 'lang'],
    [{ status: 'down' }, 'status'],
    [{ kind: 'zoo' }, 'kind'],
    [{ region: 'Mars' }, 'region'],
    [{ page: '0' }, 'page'],
    [{ page: '1e3' }, 'page'],
    [{ page: 'two' }, 'page'],
    [{ q: 'x'.repeat(201) }, 'q'],
    [{ status: ['dark', 'reachable'] }, 'status'],
  ])('%o: names %s and keeps the default', (raw, param) => {
    const { filters, bad } = parseBoardQuery(raw, known);
    expect(bad.map((b) => b.param)).toEqual([param]);
    expect(filters).toEqual({ page: 1 });
  });
  test('good values are kept', () => {
    expect(parseBoardQuery({ lang: 'kk', status: 'dark', kind: 'hotline', region: 'Almaty Region', page: '2', q: 'ансар' }, known)).toEqual({
      filters: { lang: 'kk', status: 'dark', kind: 'hotline', region: 'Almaty Region', page: 2, q: 'ансар' },
      bad: [],
    });
  });
});
