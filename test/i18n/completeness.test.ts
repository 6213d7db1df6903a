// Every word list has every key in every language: a missing translation (a key, a kind, a status, an
// alert event, a weekday) fails here, and every message function says something in each language for
// the same arguments, with no "undefined" or "NaN" left in it.

import { describe, expect, test } from 'vitest';
import { ALERT_WORDS } from '../../src/i18n/alerts.ts';
import { BOARD_WORDS, regionName } from '../../src/i18n/board.ts';
import { CALL_WORDS } from '../../src/i18n/calls.ts';
import { LANGUAGE_NAMES, LANGUAGES, LOCALES, type Language } from '../../src/i18n/languages.ts';
import { COUNTABLES } from '../../src/i18n/nouns.ts';
import { REPORT_WORDS, type RuleFacts } from '../../src/i18n/reports.ts';
import { SESSION_WORDS } from '../../src/i18n/session.ts';
import { CENTER_STATUS_WORDS, CHANNEL_STATUS_WORDS, CHANNEL_TYPE_WORDS } from '../../src/i18n/status.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';

const FACTS: RuleFacts = { tz: 'Asia/Almaty', from: '2018-03-26', to: '2018-04-02', confirmations: 3, minSlots: 2, answerConfirmations: 1, callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' } };

/**
 * The shape of a word list, as paths: "a.b" for a string, "a.b()" for a function (called with `args`
 * and its result described in turn), "a.b[3]" for an array of three. Values are checked as they are met.
 */
function shape(value: unknown, path: string, args: (path: string) => unknown[], out: string[]): void {
  if (typeof value === 'string') {
    expect(value.trim(), `${path} is empty`).not.toBe('');
    expect(value, path).not.toMatch(/undefined|NaN|\[object Object\]/);
    out.push(path);
  } else if (typeof value === 'function') {
    out.push(`${path}()`);
    shape((value as (...a: unknown[]) => unknown)(...args(path)), `${path}()`, args, out);
  } else if (Array.isArray(value)) {
    out.push(`${path}[${value.length}]`);
    value.forEach((v, i) => shape(v, `${path}[${i}]`, args, out));
  } else if (value && typeof value === 'object') {
    for (const key of Object.keys(value).sort()) shape((value as Record<string, unknown>)[key], `${path}.${key}`, args, out);
  } else {
    throw new Error(`${path}: ${typeof value} in a word list`);
  }
}

const ARGS: Record<string, unknown[]> = {
  // Board
  summary: [12, 45], dayFigure: ['26 Mar 2018', 75, 3, 4], dayNoData: ['26 Mar 2018'], barSummary: [81, 88.8], lastNDays: [90], attempts: [3],
  page: [2, 7], shown: [20, 45], outcome: ['busy'], since: ['26 Mar 2018, 11:00'], lastVerified: ['26 Mar 2018, 11:00'],
  // Board: vantage points
  noDataFrom: ['kz'], agent: ['almaty-1'],
  // Board: honesty, banners and notes
  latestAttempt: ['busy'], nothingChecked: [45], notCheckedCount: [3], dataAsOf: ['26 Mar 2018, 11:00'], degraded: ['26 Mar 2018, 11:00 UTC'],
  maintenanceNow: ['Ansar', '27 Mar 2018, 11:00 UTC', 'moving'], maintenanceUpcoming: ['Ansar', '26 Mar 2018, 09:00 UTC', '27 Mar 2018, 11:00 UTC', 'moving'], badQuery: ['lang', 'de'],
  // Alerts and calls
  sinceWhen: ['26 Mar 2018, 11:00'], menu: ['Ansar'],
  staleSubject: ['almaty-1'], backSubject: ['almaty-1'], stale: ['almaty-1', 'kz'], back: ['almaty-1', 'kz'],
  // Board sign-in and clips
  signedInAs: ['a.auditor', 'auditor'], tooMany: [15], clipKind: ['early_media'], seconds: [4.2],
  // Reports
  thesisTitle: ['2018-03-26', '2018-04-02'], thesisNote: ['2018-03-26', '2018-04-02', 'Asia/Almaty'], attemptsOf: [21], hoursShort: [48], statements: [FACTS],
};
const argsFor = (path: string): unknown[] => {
  const last = path.split('.').pop() ?? '';
  if (/^(subject|headline)$/.test(path.split('.').slice(-2, -1)[0] ?? '')) return ['Перспектива'];
  const a = ARGS[last];
  if (!a) throw new Error(`no sample arguments for ${path}`);
  return a;
};

const LISTS: [string, Record<Language, unknown>][] = [
  ['board', BOARD_WORDS],
  ['board sign-in', SESSION_WORDS],
  ['alerts', ALERT_WORDS],
  ['reports', REPORT_WORDS],
  ['calls', CALL_WORDS],
  ['center statuses', CENTER_STATUS_WORDS],
  ['channel statuses', CHANNEL_STATUS_WORDS],
  ['channel types', CHANNEL_TYPE_WORDS],
  ['countable nouns', Object.fromEntries(LANGUAGES.map((l) => [l, Object.fromEntries(Object.entries(COUNTABLES).map(([k, n]) => [k, Object.keys(n[l]).sort()]))])) as Record<Language, unknown>],
  ['locales', Object.fromEntries(LANGUAGES.map((l) => [l, { locale: LOCALES[l], name: LANGUAGE_NAMES[l] }])) as Record<Language, unknown>],
];

describe.each(LISTS)('%s', (_name, list) => {
  test('has a word list for each language and no other', () => {
    expect(Object.keys(list).sort()).toEqual([...LANGUAGES].sort());
  });
  test('has the same keys, message functions and list lengths in ru, kk and en', () => {
    const shapes = Object.fromEntries(
      LANGUAGES.map((l) => {
        const out: string[] = [];
        shape(list[l], '', argsFor, out);
        // Countable nouns differ by design: ru has four forms, kk and en two.
        return [l, out];
      }),
    );
    if (_name === 'countable nouns') {
      expect(shapes.kk).toEqual(shapes.en);
      return;
    }
    expect(shapes.kk).toEqual(shapes.ru);
    expect(shapes.en).toEqual(shapes.ru);
  });
});

test('the reports state the same rules, topic by topic, in every language', () => {
  const topics = (l: Language) => REPORT_WORDS[l].statements(FACTS).map((s) => s.topic);
  expect(topics('kk')).toEqual(topics('en'));
  expect(topics('ru')).toEqual(topics('en'));
});

test('every region the registry names has a Russian and a Kazakh name', () => {
  for (const l of LANGUAGES) expect(regionName(null, BOARD_WORDS[l])).toBe(BOARD_WORDS[l].noRegion);
  expect(regionName('Akmola Region', BOARD_WORDS.ru)).toBe('Акмолинская область');
  expect(regionName('Akmola Region', BOARD_WORDS.kk)).toBe('Ақмола облысы');
  expect(regionName('Akmola Region', BOARD_WORDS.en)).toBe('Akmola Region');
  // Each region the shipped registry uses: an untranslated one would fall back to its English key.
  const regions = [...new Set(assertLoadable(loadRegistry('config/centers.yaml')).map((c) => c.region).filter((r): r is string => r !== null))];
  expect(regions.length).toBeGreaterThan(10);
  for (const r of regions) {
    for (const l of ['ru', 'kk'] as const) expect(regionName(r, BOARD_WORDS[l]), `${r} in ${l}`).toMatch(/^[^A-Za-z]*[\u0400-\u04FF][^A-Za-z]*$/);
    expect(regionName(r, BOARD_WORDS.en)).toBe(r);
  }
});

test('a key missing in one language is caught', () => {
  const broken = { ru: { a: 'а', b: 'б' }, kk: { a: 'а' }, en: { a: 'a', b: 'b' } } as const;
  const of = (l: Language) => {
    const out: string[] = [];
    shape(broken[l], '', argsFor, out);
    return out;
  };
  expect(of('kk')).not.toEqual(of('ru'));
  expect(of('en')).toEqual(of('ru'));
});
