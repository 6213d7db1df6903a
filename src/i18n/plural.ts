// Plural forms by the CLDR rules Intl.PluralRules implements, so "1 попытка, 3 попытки, 5 попыток,
// 21 попытка" and "1 attempt, 2 attempts" come from one rule per language, not from arithmetic in each
// message. Russian has four categories (one, few, many, other: other is for fractions); Kazakh and
// English have one and other. A Kazakh noun after a numeral stays singular, so its two forms are equal,
// but it is still written out, so every countable noun is visibly complete in every language.

import { LOCALES, type Language } from './languages.ts';

export interface RuForms {
  one: string;
  few: string;
  many: string;
  other: string;
}
export interface OneOtherForms {
  one: string;
  other: string;
}

/** A noun (or noun phrase) in the case a message needs it, in every plural form of every language. */
export interface Countable {
  ru: RuForms;
  kk: OneOtherForms;
  en: OneOtherForms;
}

// Building a PluralRules costs far more than using one.
const rules = new Map<Language, Intl.PluralRules>();
function rulesOf(lang: Language): Intl.PluralRules {
  let r = rules.get(lang);
  if (!r) {
    r = new Intl.PluralRules(LOCALES[lang]);
    rules.set(lang, r);
  }
  return r;
}

// A board page asks for the category of the same small counts tens of thousands of times (90 bar cells
// per center); select() is slow enough to show, so whole numbers below CACHED are answered once.
const CACHED = 10_000;
const cache = new Map<Language, (Intl.LDMLPluralRule | undefined)[]>();

export function pluralCategory(lang: Language, n: number): Intl.LDMLPluralRule {
  if (!Number.isInteger(n) || n < 0 || n >= CACHED) return rulesOf(lang).select(n);
  let known = cache.get(lang);
  if (!known) {
    known = [];
    cache.set(lang, known);
  }
  return (known[n] ??= rulesOf(lang).select(n));
}

/** The form of `noun` that goes with the number `n` in `lang` (without the number). */
export function form(lang: Language, n: number, noun: Countable): string {
  const category = pluralCategory(lang, n);
  const forms: Partial<Record<Intl.LDMLPluralRule, string>> = noun[lang];
  return forms[category] ?? noun[lang].other;
}

/** The number and its noun: "3 попытки", "1 day", "5 әрекет". */
export function count(lang: Language, n: number, noun: Countable): string {
  return `${n} ${form(lang, n, noun)}`;
}
