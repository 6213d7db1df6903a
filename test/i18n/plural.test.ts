// Plural forms: every countable noun in every language takes the form the CLDR rules give for a number,
// and the rules we count with are the ones Intl.PluralRules has (ru: one/few/many/other; kk and en:
// one/other). The expected categories below are written out by hand, not asked of Intl, so a wrong
// locale or a wrong table fails here.

import { describe, expect, test } from 'vitest';
import { kkPossessive } from '../../src/i18n/kazakh.ts';
import { LANGUAGES, LOCALES } from '../../src/i18n/languages.ts';
import { ATTEMPT, ATTEMPT_OF, COUNTABLES, DAY, DAY_WITH_DATA, LISTED_CENTER_OF } from '../../src/i18n/nouns.ts';
import { count, form, pluralCategory } from '../../src/i18n/plural.ts';

const NUMBERS = [0, 1, 2, 3, 4, 5, 10, 11, 12, 14, 15, 20, 21, 22, 24, 25, 100, 101, 111, 112, 121, 333, 1000, 1001, 9999, 10_001, 12_345, 1_000_002];

/** The Russian rule for whole numbers, as a grammar book states it. */
function russian(n: number): 'one' | 'few' | 'many' {
  if (n % 10 === 1 && n % 100 !== 11) return 'one';
  if (n % 10 >= 2 && n % 10 <= 4 && !(n % 100 >= 12 && n % 100 <= 14)) return 'few';
  return 'many';
}
const oneOther = (n: number): 'one' | 'other' => (n === 1 ? 'one' : 'other');

test('each language has exactly the plural categories its forms are written for', () => {
  expect(new Intl.PluralRules(LOCALES.ru).resolvedOptions().pluralCategories.slice().sort()).toEqual(['few', 'many', 'one', 'other']);
  expect(new Intl.PluralRules(LOCALES.kk).resolvedOptions().pluralCategories.slice().sort()).toEqual(['one', 'other']);
  expect(new Intl.PluralRules(LOCALES.en).resolvedOptions().pluralCategories.slice().sort()).toEqual(['one', 'other']);
  for (const [name, noun] of Object.entries(COUNTABLES)) {
    expect(Object.keys(noun.ru).sort(), `${name}.ru`).toEqual(['few', 'many', 'one', 'other']);
    expect(Object.keys(noun.kk).sort(), `${name}.kk`).toEqual(['one', 'other']);
    expect(Object.keys(noun.en).sort(), `${name}.en`).toEqual(['one', 'other']);
  }
});

test.each(NUMBERS)('%i: the category is the grammar book\'s in ru, kk and en', (n) => {
  expect(pluralCategory('ru', n)).toBe(russian(n));
  expect(pluralCategory('kk', n)).toBe(oneOther(n));
  expect(pluralCategory('en', n)).toBe(oneOther(n));
});

test('a fraction takes Russian "other"', () => {
  expect(pluralCategory('ru', 1.5)).toBe('other');
  expect(count('ru', 1.5, DAY)).toBe('1.5 дня');
});

describe.each(Object.entries(COUNTABLES))('%s', (_name, noun) => {
  test.each(NUMBERS)('%i takes the form of its category in every language', (n) => {
    expect(count('ru', n, noun)).toBe(`${n} ${noun.ru[russian(n)]}`);
    expect(count('kk', n, noun)).toBe(`${n} ${noun.kk[oneOther(n)]}`);
    expect(count('en', n, noun)).toBe(`${n} ${noun.en[oneOther(n)]}`);
  });
  test('every form is written, and a Kazakh noun after a numeral stays singular', () => {
    for (const lang of LANGUAGES) for (const f of Object.values(noun[lang])) expect(f.trim()).not.toBe('');
    expect(noun.kk.one).toBe(noun.kk.other);
    expect(noun.en.one).not.toBe(noun.en.other);
    expect(new Set([noun.ru.one, noun.ru.many]).size).toBe(2);
  });
});

test('the forms the review found wrong, and their neighbours', () => {
  expect(count('ru', 333, ATTEMPT)).toBe('333 попытки');
  expect(count('ru', 1, ATTEMPT)).toBe('1 попытка');
  expect(count('ru', 21, ATTEMPT)).toBe('21 попытка');
  expect(count('ru', 5, ATTEMPT)).toBe('5 попыток');
  expect(count('ru', 11, ATTEMPT)).toBe('11 попыток');
  expect(count('en', 1, ATTEMPT)).toBe('1 attempt');
  expect(count('en', 3, ATTEMPT)).toBe('3 attempts');
  expect(count('kk', 3, ATTEMPT)).toBe('3 әрекет');
  expect(count('en', 1, DAY_WITH_DATA)).toBe('1 day with data');
  expect(count('en', 81, DAY_WITH_DATA)).toBe('81 days with data');
  expect(count('ru', 1, DAY_WITH_DATA)).toBe('1 день');
  expect(count('ru', 81, DAY_WITH_DATA)).toBe('81 день');
  expect(count('ru', 90, DAY)).toBe('90 дней');
  expect(count('ru', 2, DAY)).toBe('2 дня');
  expect(count('en', 1, DAY)).toBe('1 day');
  expect(count('kk', 90, DAY)).toBe('90 күн');
  // After "из" Russian takes the genitive: one is "попытки", the rest "попыток".
  expect(count('ru', 1, ATTEMPT_OF)).toBe('1 попытки');
  expect(count('ru', 333, ATTEMPT_OF)).toBe('333 попыток');
  expect(count('ru', 21, LISTED_CENTER_OF)).toBe('21 центра справочника');
  expect(count('ru', 2, LISTED_CENTER_OF)).toBe('2 центров справочника');
  expect(count('en', 1, LISTED_CENTER_OF)).toBe('1 listed center');
  expect(form('en', 2, LISTED_CENTER_OF)).toBe('listed centers');
});

test.each([
  [0, '0-і'], [1, '1-і'], [2, '2-сі'], [3, '3-і'], [4, '4-і'], [5, '5-і'], [6, '6-сы'], [7, '7-сі'], [8, '8-і'], [9, '9-ы'],
  [10, '10-ы'], [12, '12-сі'], [20, '20-сы'], [30, '30-ы'], [40, '40-ы'], [45, '45-і'], [50, '50-і'], [60, '60-ы'], [70, '70-і'],
  [80, '80-і'], [90, '90-ы'], [100, '100-і'], [200, '200-і'], [1000, '1000-ы'], [2000, '2000-ы'], [1_000_000, '1000000-ы'],
] as const)('Kazakh possessive after %i follows how the numeral is spoken: %s', (n, expected) => {
  expect(kkPossessive(n)).toBe(expected);
});
