// What networks say when a call cannot reach the person, in Russian and Kazakh: the phrase lists
// matched against any transcript of what a caller heard (Twilio's speech results, and the operator's
// own speech-to-text hook on recorded SIP audio), so both ways of listening read one list. Pure.
//
// Sources: the Russian phrases are the standard wording of Russian and Kazakh mobile networks' announcements
// (../shared/docs/telephony.md §1 row 21 lists the same, "to be validated against real recordings"
// per operator: Kazakhtelecom, Beeline KZ, Kcell/Activ, Tele2/Altel). The Kazakh phrases are marked
// one by one with how sure we are; none has been checked against a recording yet, and a phrase is
// matched on a few stable words rather than verbatim, since speech-to-text rarely returns the exact text.

import type { Outcome } from '../domain.ts';

export type PhraseLanguage = 'ru' | 'kk';

export interface AnnouncementPhrase {
  /** Stable id, stored in the evidence of a match. */
  id: string;
  lang: PhraseLanguage;
  /** The announcement as networks say it (for people; matching uses `pattern`). */
  text: string;
  /** A match on the normalised transcript (lower case, ё as е, punctuation as spaces, spaces single). */
  pattern: RegExp;
  outcome: Outcome;
  reason: string;
}

export const ANNOUNCEMENT_PHRASES: readonly AnnouncementPhrase[] = [
  {
    id: 'ru_switched_off',
    lang: 'ru',
    text: 'Аппарат абонента выключен или находится вне зоны действия сети',
    pattern: /аппарат абонента выключен|вне зоны (действия )?сети|абонент (выключен|вне зоны)/,
    outcome: 'unavailable',
    reason: 'subscriber_switched_off',
  },
  {
    id: 'ru_temporarily_unavailable',
    lang: 'ru',
    text: 'Абонент временно недоступен',
    pattern: /абонент (временно )?недоступен|вызываемый абонент недоступен/,
    outcome: 'unavailable',
    reason: 'subscriber_unavailable',
  },
  {
    id: 'ru_wrong_number',
    lang: 'ru',
    text: 'Номер набран неверно',
    pattern: /номер набран неверно|неправильно набран( номер)?|набран(ный)? номер неверен/,
    outcome: 'unavailable',
    reason: 'number_dialled_wrong',
  },
  {
    id: 'ru_not_exists',
    lang: 'ru',
    text: 'Такого номера не существует',
    pattern: /такого номера не существует|номер не существует/,
    outcome: 'unavailable',
    reason: 'not_in_service',
  },
  {
    id: 'ru_not_in_service',
    lang: 'ru',
    text: 'Номер не обслуживается',
    pattern: /номер не обслуживается|номер не используется|обслуживание номера (приостановлено|прекращено)/,
    outcome: 'unavailable',
    reason: 'not_in_service',
  },
  {
    id: 'ru_number_changed',
    lang: 'ru',
    text: 'Номер абонента изменился',
    pattern: /номер (абонента )?(был )?измен(ил(ся)?|ен)/,
    outcome: 'unavailable',
    reason: 'number_changed',
  },
  {
    // Unsure: the wording of Kcell and Beeline KZ's Kazakh "switched off" message as commonly quoted;
    // "өшірулі" (switched off) and "қамту аймағынан тыс" (outside the coverage area) are the stable words.
    id: 'kk_switched_off',
    lang: 'kk',
    text: 'Абоненттің аппараты өшірулі немесе желінің қамту аймағынан тыс жерде',
    pattern: /аппараты өшірулі|абонент(тің)? (аппараты )?өшірулі|қамту аймағынан тыс/,
    outcome: 'unavailable',
    reason: 'subscriber_switched_off',
  },
  {
    // Unsure: "қолжетімсіз" (unreachable) is written joined or as "қол жетімсіз"; both are matched.
    id: 'kk_temporarily_unavailable',
    lang: 'kk',
    text: 'Абонент уақытша қолжетімсіз',
    pattern: /қол ?жетімсіз/,
    outcome: 'unavailable',
    reason: 'subscriber_unavailable',
  },
  {
    // Unsure: two wordings are in use ("нөмір дұрыс терілмеді", "терілген нөмір дұрыс емес"); the first was
    // already in reachwatch's Twilio phrase list.
    id: 'kk_wrong_number',
    lang: 'kk',
    text: 'Нөмір дұрыс терілмеді',
    pattern: /нөмір дұрыс терілмеді|терілген нөмір дұрыс емес|нөмір қате терілді/,
    outcome: 'unavailable',
    reason: 'number_dialled_wrong',
  },
  {
    // Unsure: a literal rendering of «такого номера не существует», not heard on a recording.
    id: 'kk_not_exists',
    lang: 'kk',
    text: 'Мұндай нөмір жоқ',
    pattern: /мұндай нөмір (жоқ|тіркелмеген)/,
    outcome: 'unavailable',
    reason: 'not_in_service',
  },
  {
    // Unsure: a literal rendering of «номер не обслуживается».
    id: 'kk_not_in_service',
    lang: 'kk',
    text: 'Нөмірге қызмет көрсетілмейді',
    pattern: /нөмір(ге)? қызмет көрсетілмейді/,
    outcome: 'unavailable',
    reason: 'not_in_service',
  },
];

/** A transcript as the patterns expect it. */
export function normaliseTranscript(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The first phrase the transcript contains, or null. */
export function matchPhrase(transcript: string): AnnouncementPhrase | null {
  const t = normaliseTranscript(transcript);
  if (!t) return null;
  return ANNOUNCEMENT_PHRASES.find((p) => p.pattern.test(t)) ?? null;
}
