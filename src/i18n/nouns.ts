// Every noun a number meets in reachwatch's words, in each plural form of each language and in the
// case its message needs (Russian "из 5 попыток" takes the genitive, "5 попыток" standing alone the
// nominative, and they differ for 1, 21, 31…). test/i18n checks each against the plural rules.

import type { Countable } from './plural.ts';

/** "3 попытки", "1 attempt": a count standing alone. */
export const ATTEMPT: Countable = {
  ru: { one: 'попытка', few: 'попытки', many: 'попыток', other: 'попытки' },
  kk: { one: 'әрекет', other: 'әрекет' },
  en: { one: 'attempt', other: 'attempts' },
};

/** "(3 из 21 попытки)", "(3 of 4 attempts)": the whole after "из"/"of"; Kazakh puts it in the genitive. */
export const ATTEMPT_OF: Countable = {
  ru: { one: 'попытки', few: 'попыток', many: 'попыток', other: 'попытки' },
  kk: { one: 'әрекеттің', other: 'әрекеттің' },
  en: { one: 'attempt', other: 'attempts' },
};

/** "90 дней", "1 day": a span of days. */
export const DAY: Countable = {
  ru: { one: 'день', few: 'дня', many: 'дней', other: 'дня' },
  kk: { one: 'күн', other: 'күн' },
  en: { one: 'day', other: 'days' },
};

/** "данные за 21 день", "1 day with data", "1 күннің деректері": days that have data. */
export const DAY_WITH_DATA: Countable = {
  ru: { one: 'день', few: 'дня', many: 'дней', other: 'дня' },
  kk: { one: 'күннің', other: 'күннің' },
  en: { one: 'day with data', other: 'days with data' },
};

/** "1 из 21 центра справочника", "of 1 listed center": the whole after "из"/"of". */
export const LISTED_CENTER_OF: Countable = {
  ru: { one: 'центра справочника', few: 'центров справочника', many: 'центров справочника', other: 'центра справочника' },
  kk: { one: 'орталықтың', other: 'орталықтың' },
  en: { one: 'listed center', other: 'listed centers' },
};

/** "после 3 одинаковых исходов подряд", "after 1 consecutive identical outcome". */
export const IDENTICAL_OUTCOME_AFTER: Countable = {
  ru: { one: 'одинакового исхода', few: 'одинаковых исходов', many: 'одинаковых исходов', other: 'одинакового исхода' },
  kk: { one: 'бірдей нәтижеден', other: 'бірдей нәтижеден' },
  en: { one: 'consecutive identical outcome', other: 'consecutive identical outcomes' },
};

/** "не менее чем на 2 разных дня или полудня", "span 2 different days or half-days". */
export const DISTINCT_SLOT_SPAN: Countable = {
  ru: { one: 'день или полдень', few: 'разных дня или полудня', many: 'разных дней или полудней', other: 'разных дня или полудня' },
  kk: { one: 'түрлі күнге немесе жарты күнге', other: 'түрлі күнге немесе жарты күнге' },
  en: { one: 'day or half-day', other: 'different days or half-days' },
};

/** Every countable noun, for the tests that check each form in each language. */
export const COUNTABLES = { ATTEMPT, ATTEMPT_OF, DAY, DAY_WITH_DATA, LISTED_CENTER_OF, IDENTICAL_OUTCOME_AFTER, DISTINCT_SLOT_SPAN } as const;
