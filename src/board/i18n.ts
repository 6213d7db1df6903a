// The board's words in Russian, Kazakh and English. Status words are shared with the alerts, so a
// center is "dark" in the same words on the board and in an NGO's inbox.

import type { Language } from '../alerts/channel.ts';
import { DICTIONARIES } from '../alerts/messages.ts';
import type { ChannelStatus, Outcome } from '../domain.ts';
import type { CenterStatus } from '../status/center.ts';

export interface BoardWords {
  lang: Language;
  locale: string;
  languageName: string;
  title: string;
  tagline: string;
  summary: (reachable: number, total: number) => string;
  summaryByRegion: string;
  region: string;
  allRegions: string;
  status: string;
  allStatuses: string;
  kind: string;
  allKinds: string;
  search: string;
  apply: string;
  reset: string;
  noRegion: string;
  centerStatus: Record<CenterStatus, string>;
  channelStatus: Record<ChannelStatus, string>;
  outcome: (o: Outcome) => string;
  channelType: Record<string, string>;
  kinds: Record<string, string>;
  lastVerified: string;
  never: string;
  since: string;
  days90: string;
  noData: string;
  dayFigure: (day: string, pct: number, reachable: number, counted: number) => string;
  dayNoData: (day: string) => string;
  barSummary: (withData: number, pct: number | null) => string;
  availability: string;
  lastNDays: (n: number) => string;
  attempts: (n: number) => string;
  incidents: string;
  noIncidents: string;
  opened: string;
  closed: string;
  ongoing: string;
  wentDark: string;
  maintenance: string;
  probeHistory: string;
  when: string;
  channel: string;
  outcomeHeading: string;
  detail: string;
  channels: string;
  backToBoard: string;
  page: (n: number, of: number) => string;
  previous: string;
  next: string;
  shown: (n: number, of: number) => string;
  directory: string;
  api: string;
  legend: string;
  legendUp: string;
  legendPartial: string;
  legendDown: string;
  legendNone: string;
  notFound: string;
  howCounted: string;
}

const words = (lang: Language) => DICTIONARIES[lang];

const RU: BoardWords = {
  lang: 'ru',
  locale: 'ru-RU',
  languageName: 'Русский',
  title: 'Можно ли дозвониться до центров помощи',
  tagline: 'Каждый центр из справочника проверяется звонками и запросами к сайту; здесь видно, кто действительно отвечает.',
  summary: (r, t) => `${r} из ${t} центров справочника были доступны за последние 7 дней.`,
  summaryByRegion: 'По регионам',
  region: 'Регион',
  allRegions: 'Все регионы',
  status: 'Статус',
  allStatuses: 'Все статусы',
  kind: 'Тип',
  allKinds: 'Все типы',
  search: 'Поиск по названию',
  apply: 'Показать',
  reset: 'Сбросить',
  noRegion: 'Регион не указан',
  centerStatus: words('ru').center,
  channelStatus: words('ru').channel,
  outcome: (o) => (o === 'error' ? 'сбой на нашей стороне' : words('ru').channel[o]),
  channelType: { phone: 'Телефон', website: 'Сайт' },
  kinds: { rehabilitation_center: 'Реабилитационный центр', religious_studies_center: 'Центр религиоведения', hotline: 'Горячая линия', directory: 'Справочник' },
  lastVerified: 'проверено',
  never: 'ещё не проверялся',
  since: 'с',
  days90: 'Доступность за 90 дней',
  noData: 'нет данных',
  dayFigure: (d, p, r, c) => `${d}: ${p}% (${r} из ${c} попыток)`,
  dayNoData: (d) => `${d}: нет данных`,
  barSummary: (n, p) => (p === null ? 'За 90 дней данных нет.' : `За 90 дней: данные за ${n} дн., доступность ${p}%.`),
  availability: 'Доступность',
  lastNDays: (n) => `${n} дней`,
  attempts: (n) => `${n} попыт${n % 10 === 1 && n % 100 !== 11 ? 'ка' : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 'ки' : 'ок'}`,
  incidents: 'Инциденты',
  noIncidents: 'Инцидентов не было.',
  opened: 'Начало',
  closed: 'Конец',
  ongoing: 'продолжается',
  wentDark: 'стал недоступен',
  maintenance: 'плановое окно',
  probeHistory: 'История проверок',
  when: 'Когда',
  channel: 'Контакт',
  outcomeHeading: 'Результат',
  detail: 'Подробности',
  channels: 'Контакты',
  backToBoard: '← Ко всем центрам',
  page: (n, of) => `Страница ${n} из ${of}`,
  previous: '← Назад',
  next: 'Вперёд →',
  shown: (n, of) => `Показано ${n} из ${of}`,
  directory: 'Проверенный справочник',
  api: 'API',
  legend: 'Обозначения',
  legendUp: 'доступен',
  legendPartial: 'частично',
  legendDown: 'недоступен',
  legendNone: 'нет данных',
  notFound: 'Такого центра нет.',
  howCounted: 'Доступность — доля попыток, дозвонившихся до центра, среди попыток, давших ответ о нём; наши собственные сбои и дни без проверок не считаются недоступностью.',
};

const KK: BoardWords = {
  lang: 'kk',
  locale: 'kk-KZ',
  languageName: 'Қазақша',
  title: 'Көмек орталықтарына хабарласуға бола ма',
  tagline: 'Анықтамалықтағы әр орталық қоңырау және сайтқа сұрау арқылы тексеріледі; мұнда кім шынымен жауап беретіні көрінеді.',
  summary: (r, t) => `Анықтамалықтағы ${t} орталықтың ${r}-і соңғы 7 күнде қолжетімді болды.`,
  summaryByRegion: 'Өңірлер бойынша',
  region: 'Өңір',
  allRegions: 'Барлық өңірлер',
  status: 'Мәртебе',
  allStatuses: 'Барлық мәртебелер',
  kind: 'Түрі',
  allKinds: 'Барлық түрлер',
  search: 'Атауы бойынша іздеу',
  apply: 'Көрсету',
  reset: 'Тазарту',
  noRegion: 'Өңір көрсетілмеген',
  centerStatus: words('kk').center,
  channelStatus: words('kk').channel,
  outcome: (o) => (o === 'error' ? 'біз жақтағы ақау' : words('kk').channel[o]),
  channelType: { phone: 'Телефон', website: 'Сайт' },
  kinds: { rehabilitation_center: 'Оңалту орталығы', religious_studies_center: 'Дінтану орталығы', hotline: 'Сенім телефоны', directory: 'Анықтамалық' },
  lastVerified: 'тексерілді',
  never: 'әлі тексерілмеген',
  since: 'бастап',
  days90: '90 күндегі қолжетімділік',
  noData: 'дерек жоқ',
  dayFigure: (d, p, r, c) => `${d}: ${p}% (${c} әрекеттің ${r}-і)`,
  dayNoData: (d) => `${d}: дерек жоқ`,
  barSummary: (n, p) => (p === null ? '90 күнде дерек жоқ.' : `90 күнде: ${n} күннің деректері, қолжетімділік ${p}%.`),
  availability: 'Қолжетімділік',
  lastNDays: (n) => `${n} күн`,
  attempts: (n) => `${n} әрекет`,
  incidents: 'Оқиғалар',
  noIncidents: 'Оқиғалар болған жоқ.',
  opened: 'Басталды',
  closed: 'Аяқталды',
  ongoing: 'жалғасуда',
  wentDark: 'қолжетімсіз болды',
  maintenance: 'жоспарлы уақыт',
  probeHistory: 'Тексерулер тарихы',
  when: 'Қашан',
  channel: 'Байланыс',
  outcomeHeading: 'Нәтиже',
  detail: 'Толығырақ',
  channels: 'Байланыстар',
  backToBoard: '← Барлық орталықтарға',
  page: (n, of) => `${of} беттің ${n}-і`,
  previous: '← Артқа',
  next: 'Алға →',
  shown: (n, of) => `${of} ішінен ${n} көрсетілді`,
  directory: 'Тексерілген анықтамалық',
  api: 'API',
  legend: 'Белгілер',
  legendUp: 'қолжетімді',
  legendPartial: 'ішінара',
  legendDown: 'қолжетімсіз',
  legendNone: 'дерек жоқ',
  notFound: 'Мұндай орталық жоқ.',
  howCounted: 'Қолжетімділік — орталық туралы жауап берген әрекеттер ішінде орталыққа жеткен әрекеттердің үлесі; біздің ақауларымыз бен тексерілмеген күндер қолжетімсіздік болып саналмайды.',
};

const EN: BoardWords = {
  lang: 'en',
  locale: 'en-GB',
  languageName: 'English',
  title: 'Can the help centers be reached?',
  tagline: 'Every center listed in the directory is checked by phone calls and website requests; this board shows who actually answers.',
  summary: (r, t) => `${r} of ${t} listed centers were reachable in the last 7 days.`,
  summaryByRegion: 'By region',
  region: 'Region',
  allRegions: 'All regions',
  status: 'Status',
  allStatuses: 'All statuses',
  kind: 'Kind',
  allKinds: 'All kinds',
  search: 'Search by name',
  apply: 'Show',
  reset: 'Reset',
  noRegion: 'Region not given',
  centerStatus: words('en').center,
  channelStatus: words('en').channel,
  outcome: (o) => (o === 'error' ? 'failure on our side' : words('en').channel[o]),
  channelType: { phone: 'Phone', website: 'Website' },
  kinds: { rehabilitation_center: 'Rehabilitation center', religious_studies_center: 'Religious studies center', hotline: 'Hotline', directory: 'Directory' },
  lastVerified: 'verified',
  never: 'not checked yet',
  since: 'since',
  days90: 'Availability over 90 days',
  noData: 'no data',
  dayFigure: (d, p, r, c) => `${d}: ${p}% (${r} of ${c} attempts)`,
  dayNoData: (d) => `${d}: no data`,
  barSummary: (n, p) => (p === null ? 'No data in 90 days.' : `Over 90 days: ${n} days with data, ${p}% available.`),
  availability: 'Availability',
  lastNDays: (n) => `${n} days`,
  attempts: (n) => `${n} attempts`,
  incidents: 'Incidents',
  noIncidents: 'No incidents.',
  opened: 'Opened',
  closed: 'Closed',
  ongoing: 'ongoing',
  wentDark: 'went dark',
  maintenance: 'maintenance window',
  probeHistory: 'Probe history',
  when: 'When',
  channel: 'Contact',
  outcomeHeading: 'Outcome',
  detail: 'Detail',
  channels: 'Contacts',
  backToBoard: '← All centers',
  page: (n, of) => `Page ${n} of ${of}`,
  previous: '← Previous',
  next: 'Next →',
  shown: (n, of) => `Showing ${n} of ${of}`,
  directory: 'Verified directory',
  api: 'API',
  legend: 'Legend',
  legendUp: 'reachable',
  legendPartial: 'partly',
  legendDown: 'down',
  legendNone: 'no data',
  notFound: 'There is no such center.',
  howCounted: 'Availability is the share of attempts that reached the center among the attempts that said something about it; our own failures and days without checks never count as down.',
};

export const BOARD_WORDS: Record<Language, BoardWords> = { ru: RU, kk: KK, en: EN };

/** Region names as the registry normalises them, in the reader's language. */
const REGIONS: Record<string, { ru: string; kk: string }> = {
  'Akmola Region': { ru: 'Акмолинская область', kk: 'Ақмола облысы' },
  'Aktobe Region': { ru: 'Актюбинская область', kk: 'Ақтөбе облысы' },
  'Almaty Region': { ru: 'Алматинская область', kk: 'Алматы облысы' },
  'Almaty (city of republican significance)': { ru: 'г. Алматы', kk: 'Алматы қаласы' },
  'Astana (city of republican significance)': { ru: 'г. Астана', kk: 'Астана қаласы' },
  'Shymkent (city of republican significance)': { ru: 'г. Шымкент', kk: 'Шымкент қаласы' },
  'Atyrau Region': { ru: 'Атырауская область', kk: 'Атырау облысы' },
  'East Kazakhstan Region': { ru: 'Восточно-Казахстанская область', kk: 'Шығыс Қазақстан облысы' },
  'East Kazakhstan Region (probable)': { ru: 'Восточно-Казахстанская область (вероятно)', kk: 'Шығыс Қазақстан облысы (болжам)' },
  'Karaganda Region': { ru: 'Карагандинская область', kk: 'Қарағанды облысы' },
  'Kostanay Region': { ru: 'Костанайская область', kk: 'Қостанай облысы' },
  'Mangystau Region': { ru: 'Мангистауская область', kk: 'Маңғыстау облысы' },
  'North Kazakhstan Region': { ru: 'Северо-Казахстанская область', kk: 'Солтүстік Қазақстан облысы' },
  'Pavlodar Region': { ru: 'Павлодарская область', kk: 'Павлодар облысы' },
  'South Kazakhstan Region': { ru: 'Южно-Казахстанская область', kk: 'Оңтүстік Қазақстан облысы' },
  'West Kazakhstan Region (probable)': { ru: 'Западно-Казахстанская область (вероятно)', kk: 'Батыс Қазақстан облысы (болжам)' },
  'Zhambyl Region': { ru: 'Жамбылская область', kk: 'Жамбыл облысы' },
  'Republic of Kazakhstan (national)': { ru: 'Республика Казахстан (вся страна)', kk: 'Қазақстан Республикасы (бүкіл ел)' },
};

export function regionName(region: string | null, w: BoardWords): string {
  if (region === null) return w.noRegion;
  if (w.lang === 'en') return region;
  return REGIONS[region]?.[w.lang] ?? region;
}

/**
 * The reader's language: an explicit choice (?lang= or the cookie the switcher sets), else the best
 * match in Accept-Language, else Russian (the directory's language).
 */
export function pickLanguage(query: string | undefined, cookie: string | undefined, acceptLanguage: string | undefined): Language {
  const valid = (l: string | undefined): l is Language => l === 'ru' || l === 'kk' || l === 'en';
  if (valid(query)) return query;
  if (valid(cookie)) return cookie;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)/.exec(p)?.[1]).find(Boolean);
      return { lang: (tag ?? '').toLowerCase().split('-')[0], q: q ? Number(q) : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) if (valid(r.lang)) return r.lang;
  return 'ru';
}
