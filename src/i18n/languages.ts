// The languages reachwatch speaks, and how a reader's language is chosen. Russian is the directory's
// language and the fallback; Kazakh is the state language; English is for auditors and funders.

export const LANGUAGES = ['ru', 'kk', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The locale Intl formats dates, numbers and plural categories with, per language. */
export const LOCALES: Record<Language, string> = { ru: 'ru-RU', kk: 'kk-KZ', en: 'en-GB' };

/** Each language's name in itself, for the language switcher. */
export const LANGUAGE_NAMES: Record<Language, string> = { ru: 'Русский', kk: 'Қазақша', en: 'English' };

export const isLanguage = (l: unknown): l is Language => typeof l === 'string' && (LANGUAGES as readonly string[]).includes(l);

/**
 * The reader's language: an explicit choice (?lang= or the cookie the switcher sets), else the best
 * match in Accept-Language, else Russian (the directory's language).
 */
export function pickLanguage(query: string | undefined, cookie: string | undefined, acceptLanguage: string | undefined): Language {
  if (isLanguage(query)) return query;
  if (isLanguage(cookie)) return cookie;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)/.exec(p)?.[1]).find(Boolean);
      return { lang: (tag ?? '').toLowerCase().split('-')[0], q: q ? Number(q) : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) if (isLanguage(r.lang)) return r.lang;
  return 'ru';
}
