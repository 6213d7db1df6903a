// The words for a center's and a channel's status, and for a channel's type, shared by the board,
// the alerts and the reports, so a center is "dark" in the same words everywhere.

import type { ChannelStatus } from '../domain.ts';
import type { CenterStatus } from '../status/center.ts';
import type { Language } from './languages.ts';

export const CENTER_STATUS_WORDS: Record<Language, Record<CenterStatus, string>> = {
  ru: { reachable: 'доступен', partial: 'доступен частично', dark: 'недоступен', unknown: 'нет данных', opted_out: 'отказался от звонков' },
  kk: { reachable: 'қолжетімді', partial: 'ішінара қолжетімді', dark: 'қолжетімсіз', unknown: 'дерек жоқ', opted_out: 'қоңыраудан бас тартты' },
  en: { reachable: 'reachable', partial: 'partly reachable', dark: 'dark', unknown: 'no data', opted_out: 'opted out of calls' },
};

export const CHANNEL_STATUS_WORDS: Record<Language, Record<ChannelStatus, string>> = {
  ru: {
    reachable: 'отвечает', no_answer: 'не отвечает', busy: 'занято', unavailable: 'недоступен', wrong_number: 'номер принадлежит другим людям',
    closed: 'закрыт', redirected: 'перенаправляет в другое место', callback_requested: 'просят перезвонить', voicemail: 'автоответчик',
    inconclusive: 'не удалось проверить', unknown: 'ещё не проверен', not_probed: 'не проверяется', opted_out: 'просили не звонить',
  },
  kk: {
    reachable: 'жауап береді', no_answer: 'жауап бермейді', busy: 'бос емес', unavailable: 'қолжетімсіз', wrong_number: 'нөмір басқа адамдарға тиесілі',
    closed: 'жабық', redirected: 'басқа жерге жібереді', callback_requested: 'қайта қоңырау шалуды сұрайды', voicemail: 'автожауапбергіш',
    inconclusive: 'тексеру мүмкін болмады', unknown: 'әлі тексерілмеген', not_probed: 'тексерілмейді', opted_out: 'қоңырау шалмауды сұрады',
  },
  en: {
    reachable: 'answers', no_answer: 'no answer', busy: 'busy', unavailable: 'unavailable', wrong_number: 'belongs to someone else',
    closed: 'closed', redirected: 'sends callers elsewhere', callback_requested: 'asked to call back', voicemail: 'voicemail',
    inconclusive: 'could not be checked', unknown: 'not checked yet', not_probed: 'not probed', opted_out: 'asked not to be called',
  },
};

/** A channel's type as the board and the alerts name it. */
export const CHANNEL_TYPE_WORDS: Record<Language, Record<string, string>> = {
  ru: { phone: 'Телефон', website: 'Сайт' },
  kk: { phone: 'Телефон', website: 'Сайт' },
  en: { phone: 'Phone', website: 'Website' },
};
