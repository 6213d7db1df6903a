// Alert texts in the subscriber's language. Status words are shared with the board and the reports
// (status.ts), so a center is "dark" in the same words on the board and in an NGO's inbox.

import type { AlertEvent } from '../alerts/channel.ts';
import type { ChannelStatus } from '../domain.ts';
import type { CenterStatus } from '../status/center.ts';
import { LOCALES, type Language } from './languages.ts';
import { CENTER_STATUS_WORDS, CHANNEL_STATUS_WORDS, CHANNEL_TYPE_WORDS } from './status.ts';

export interface AlertWords {
  locale: string;
  center: Record<CenterStatus, string>;
  channel: Record<ChannelStatus, string>;
  type: Record<string, string>;
  subject: Record<AlertEvent, (name: string) => string>;
  headline: Record<AlertEvent, (name: string) => string>;
  region: string;
  /** The label of the line that says since when ("Since: …"). */
  since: string;
  /** "since <when>" inside a sentence; Kazakh puts the postposition after the date. */
  sinceWhen: (when: string) => string;
  channels: string;
  evidence: string;
  board: string;
  certExpires: string;
  afterMaintenance: string;
  selfCheck: { degraded: string; ok: string; why: string; noCenterAlerts: string };
  /** An agent of a vantage point went silent or was heard again (operators only; never a center's alert). */
  agent: {
    staleSubject: (name: string) => string;
    backSubject: (name: string) => string;
    stale: (name: string, point: string) => string;
    back: (name: string, point: string) => string;
    lastSeen: string;
    never: string;
    noCenterAlerts: string;
  };
}

const RU: AlertWords = {
  center: CENTER_STATUS_WORDS.ru,
  channel: CHANNEL_STATUS_WORDS.ru,
  locale: LOCALES.ru,
  type: CHANNEL_TYPE_WORDS.ru,
  subject: {
    went_dark: (n) => `Недоступен: ${n}`,
    partly_reachable: (n) => `Доступен частично: ${n}`,
    recovered: (n) => `Снова доступен: ${n}`,
    still_dark: (n) => `Всё ещё недоступен: ${n}`,
    channel_closed: (n) => `Номер или сайт закрыт: ${n}`,
    cert_expiring: (n) => `Истекает сертификат сайта: ${n}`,
    self_check: () => 'reachwatch: сбой самопроверки',
  },
  headline: {
    went_dark: (n) => `Центр «${n}» недоступен: ни по одному из указанных контактов дозвониться или зайти нельзя.`,
    partly_reachable: (n) => `Центр «${n}» доступен лишь частично: часть контактов не работает.`,
    recovered: (n) => `Центр «${n}» снова доступен.`,
    still_dark: (n) => `Центр «${n}» по-прежнему недоступен.`,
    channel_closed: (n) => `У центра «${n}» контакт больше не принадлежит центру или закрыт.`,
    cert_expiring: (n) => `У сайта центра «${n}» скоро истекает сертификат.`,
    self_check: () => 'reachwatch не может надёжно проверять центры.',
  },
  region: 'Регион',
  since: 'С',
  sinceWhen: (when) => `с ${when}`,
  channels: 'Контакты',
  evidence: 'Доказательства',
  board: 'Страница центра',
  certExpires: 'Сертификат действителен до',
  afterMaintenance: 'Плановое окно обслуживания закончилось, а центр всё ещё недоступен.',
  selfCheck: {
    degraded: 'reachwatch в режиме сбоя: статусы центров заморожены, оповещения НКО не отправляются.',
    ok: 'reachwatch снова работает нормально: статусы центров обновляются.',
    why: 'Причины',
    noCenterAlerts: 'Ошибки этого периода записаны как наши, а не как недоступность центров.',
  },
  agent: {
    staleSubject: (n) => `reachwatch: агент ${n} молчит`,
    backSubject: (n) => `reachwatch: агент ${n} снова на связи`,
    stale: (n, p) => `Агент ${n} (точка наблюдения ${p}) не выходит на связь: его каналы показаны как «нет данных от ${n}».`,
    back: (n, p) => `Агент ${n} (точка наблюдения ${p}) снова на связи; накопленные результаты передаются с исходным временем проверки.`,
    lastSeen: 'Последний раз на связи',
    never: 'никогда',
    noCenterAlerts: 'Молчание агента — наша проблема, а не центров: статусы центров из-за него не меняются, НКО не оповещаются.',
  },
};

const KK: AlertWords = {
  center: CENTER_STATUS_WORDS.kk,
  channel: CHANNEL_STATUS_WORDS.kk,
  locale: LOCALES.kk,
  type: CHANNEL_TYPE_WORDS.kk,
  subject: {
    went_dark: (n) => `Қолжетімсіз: ${n}`,
    partly_reachable: (n) => `Ішінара қолжетімді: ${n}`,
    recovered: (n) => `Қайта қолжетімді: ${n}`,
    still_dark: (n) => `Әлі де қолжетімсіз: ${n}`,
    channel_closed: (n) => `Нөмір немесе сайт жабық: ${n}`,
    cert_expiring: (n) => `Сайт сертификатының мерзімі бітуде: ${n}`,
    self_check: () => 'reachwatch: өзін-өзі тексеру ақауы',
  },
  headline: {
    went_dark: (n) => `«${n}» орталығы қолжетімсіз: көрсетілген байланыстардың ешқайсысы жұмыс істемейді.`,
    partly_reachable: (n) => `«${n}» орталығы ішінара ғана қолжетімді: кейбір байланыстар жұмыс істемейді.`,
    recovered: (n) => `«${n}» орталығы қайта қолжетімді.`,
    still_dark: (n) => `«${n}» орталығы әлі де қолжетімсіз.`,
    channel_closed: (n) => `«${n}» орталығының байланысы енді орталыққа тиесілі емес немесе жабық.`,
    cert_expiring: (n) => `«${n}» орталығы сайтының сертификаты жақында бітеді.`,
    self_check: () => 'reachwatch орталықтарды сенімді тексере алмайды.',
  },
  region: 'Өңір',
  since: 'Бастап',
  // The postposition follows the date in Kazakh.
  sinceWhen: (when) => `${when} бастап`,
  channels: 'Байланыстар',
  evidence: 'Дәлелдер',
  board: 'Орталық беті',
  certExpires: 'Сертификат мерзімі',
  afterMaintenance: 'Жоспарлы қызмет көрсету уақыты аяқталды, ал орталық әлі де қолжетімсіз.',
  selfCheck: {
    degraded: 'reachwatch ақау режимінде: орталықтардың мәртебесі тоқтатылды, ҮЕҰ-ға хабарлама жіберілмейді.',
    ok: 'reachwatch қайтадан қалыпты жұмыс істейді: орталықтардың мәртебесі жаңартылады.',
    why: 'Себептері',
    noCenterAlerts: 'Бұл кезеңнің қателері орталықтардың емес, біздің қателеріміз ретінде жазылды.',
  },
  agent: {
    staleSubject: (n) => `reachwatch: ${n} агенті үнсіз`,
    backSubject: (n) => `reachwatch: ${n} агенті қайта байланыста`,
    stale: (n, p) => `${n} агенті (${p} бақылау нүктесі) байланысқа шықпайды: оның арналары «${n} агентінен дерек жоқ» деп көрсетіледі.`,
    back: (n, p) => `${n} агенті (${p} бақылау нүктесі) қайта байланыста; жиналған нәтижелер бастапқы тексеру уақытымен жіберілуде.`,
    lastSeen: 'Соңғы байланыс',
    never: 'ешқашан',
    noCenterAlerts: 'Агенттің үнсіздігі орталықтардың емес, біздің мәселеміз: орталықтардың мәртебесі өзгермейді, ҮЕҰ-ға хабарлама жіберілмейді.',
  },
};

const EN: AlertWords = {
  center: CENTER_STATUS_WORDS.en,
  channel: CHANNEL_STATUS_WORDS.en,
  locale: LOCALES.en,
  type: CHANNEL_TYPE_WORDS.en,
  subject: {
    went_dark: (n) => `Dark: ${n}`,
    partly_reachable: (n) => `Partly reachable: ${n}`,
    recovered: (n) => `Reachable again: ${n}`,
    still_dark: (n) => `Still dark: ${n}`,
    channel_closed: (n) => `Number or site closed: ${n}`,
    cert_expiring: (n) => `Website certificate expiring: ${n}`,
    self_check: () => 'reachwatch: self-check failed',
  },
  headline: {
    went_dark: (n) => `${n} has gone dark: none of its listed contacts can be reached.`,
    partly_reachable: (n) => `${n} is only partly reachable: some of its listed contacts do not work.`,
    recovered: (n) => `${n} is reachable again.`,
    still_dark: (n) => `${n} is still dark.`,
    channel_closed: (n) => `A listed contact of ${n} no longer belongs to the center or is closed.`,
    cert_expiring: (n) => `The website certificate of ${n} expires soon.`,
    self_check: () => 'reachwatch cannot check centers reliably.',
  },
  region: 'Region',
  since: 'Since',
  sinceWhen: (when) => `since ${when}`,
  channels: 'Contacts',
  evidence: 'Evidence',
  board: 'Center page',
  certExpires: 'Certificate valid until',
  afterMaintenance: 'The planned maintenance window has ended and the center is still dark.',
  selfCheck: {
    degraded: 'reachwatch is degraded: center statuses are frozen and no NGO alerts are sent.',
    ok: 'reachwatch works normally again: center statuses are updated again.',
    why: 'Reasons',
    noCenterAlerts: 'Failures in this period are recorded as ours, not as centers being unreachable.',
  },
  agent: {
    staleSubject: (n) => `reachwatch: agent ${n} is silent`,
    backSubject: (n) => `reachwatch: agent ${n} is back`,
    stale: (n, p) => `Agent ${n} (vantage point ${p}) has gone silent: its channels show "no data from ${n}".`,
    back: (n, p) => `Agent ${n} (vantage point ${p}) is heard again; the results it kept are arriving with their original probe times.`,
    lastSeen: 'Last heard',
    never: 'never',
    noCenterAlerts: "An agent's silence is our problem, not the centers': no center status changes because of it and no NGO is alerted.",
  },
};

export const ALERT_WORDS: Record<Language, AlertWords> = { ru: RU, kk: KK, en: EN };
