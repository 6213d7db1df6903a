// The board's words in Russian, Kazakh and English. Status words are shared with the alerts and the
// reports (status.ts), so a center is "dark" in the same words on the board and in an NGO's inbox.
// Counts go through the plural rules (nouns.ts), and anything whose word order differs between the
// languages is a function of its parts.

import type { ChannelStatus, Outcome } from '../domain.ts';
import type { CenterStatus } from '../status/center.ts';
import { kkPossessive } from './kazakh.ts';
import { LANGUAGE_NAMES, LOCALES, type Language } from './languages.ts';
import { ATTEMPT, ATTEMPT_OF, DAY, DAY_WITH_DATA, LISTED_CENTER_OF } from './nouns.ts';
import { count } from './plural.ts';
import { CENTER_STATUS_WORDS, CHANNEL_STATUS_WORDS, CHANNEL_TYPE_WORDS } from './status.ts';
import { VANTAGE_WORDS, type VantageWords } from './vantage.ts';

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
  /** "verified <when>"; Kazakh puts the verb after the time. */
  lastVerified: (when: string) => string;
  never: string;
  /** "since <when>" beside a status; Kazakh puts the postposition after the date. */
  since: (when: string) => string;
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
  /** Vantage points: which place saw what. */
  vantage: VantageWords;
  /** A center none of whose channels was ever verified (not "no data", as if looked for). */
  notCheckedYet: string;
  /** Every line confirmed down, the dark grace period still running. */
  goingDark: string;
  /** A channel's latest attempt, when it says something other than the confirmed status. */
  latestAttempt: (what: string) => string;
  /** The headline when nothing at all has been verified yet. */
  nothingChecked: (total: number) => string;
  /** After the summary: how many centers were never verified. */
  notCheckedCount: (n: number) => string;
  dataAsOf: (when: string) => string;
  noDataYet: string;
  /** The self-check banner: the problem is ours, and no center is marked down for it. */
  degraded: (since: string) => string;
  maintenanceNow: (scope: string, until: string, reason: string) => string;
  maintenanceUpcoming: (scope: string, from: string, until: string, reason: string) => string;
  wholeDirectory: string;
  /** A query parameter whose value was not understood, and what is shown instead. */
  badQuery: (param: string, value: string) => string;
  skipToContent: string;
  /** An incident still open, instead of "closed: ongoing". */
  stillOpen: string;
}

const RU: BoardWords = {
  lang: 'ru',
  locale: LOCALES.ru,
  languageName: LANGUAGE_NAMES.ru,
  title: 'Можно ли дозвониться до центров помощи',
  tagline: 'Каждый центр из справочника проверяется звонками и запросами к сайту; здесь видно, кто действительно отвечает.',
  summary: (r, t) => `${r} из ${count('ru', t, LISTED_CENTER_OF)} были доступны за последние 7 дней.`,
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
  centerStatus: CENTER_STATUS_WORDS.ru,
  channelStatus: CHANNEL_STATUS_WORDS.ru,
  outcome: (o) => (o === 'error' ? 'сбой на нашей стороне' : CHANNEL_STATUS_WORDS.ru[o]),
  channelType: CHANNEL_TYPE_WORDS.ru,
  kinds: { rehabilitation_center: 'Реабилитационный центр', religious_studies_center: 'Центр религиоведения', hotline: 'Горячая линия', directory: 'Справочник' },
  lastVerified: (when) => `проверено ${when}`,
  never: 'ещё не проверялся',
  since: (when) => `с ${when}`,
  days90: 'Доступность за 90 дней',
  noData: 'нет данных',
  dayFigure: (d, p, r, c) => `${d}: ${p}% (${r} из ${count('ru', c, ATTEMPT_OF)})`,
  dayNoData: (d) => `${d}: нет данных`,
  barSummary: (n, p) => (p === null ? 'За 90 дней данных нет.' : `За 90 дней: данные за ${count('ru', n, DAY_WITH_DATA)}, доступность ${p}%.`),
  availability: 'Доступность',
  lastNDays: (n) => count('ru', n, DAY),
  attempts: (n) => count('ru', n, ATTEMPT),
  incidents: 'Инциденты',
  noIncidents: 'Инцидентов не было.',
  opened: 'Начало',
  closed: 'Конец',
  ongoing: 'продолжается',
  wentDark: 'стал недоступен',
  maintenance: 'плановое окно',
  probeHistory: 'История проверок',
  vantage: VANTAGE_WORDS.ru,
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
  notCheckedYet: 'ещё не проверялся',
  goingDark: 'не отвечает (подтверждается)',
  latestAttempt: (what) => `последняя попытка: ${what}`,
  nothingChecked: (t) => `Ни один из ${count('ru', t, LISTED_CENTER_OF)} ещё не проверен.`,
  notCheckedCount: (n) => `Ещё не проверено: ${n}.`,
  dataAsOf: (when) => `Данные на ${when}.`,
  noDataYet: 'Данных ещё нет.',
  degraded: (since) => `Мониторинг работает с перебоями с ${since} (проблема на нашей стороне). Пока она не устранена, центры не отмечаются недоступными, а цифры могут быть устаревшими.`,
  maintenanceNow: (scope, until, reason) => `Плановые работы (${scope}) до ${until}: ${reason}`,
  maintenanceUpcoming: (scope, from, until, reason) => `Запланированы работы (${scope}) с ${from} до ${until}: ${reason}`,
  wholeDirectory: 'весь справочник',
  badQuery: (param, value) => `Значение «${value}» параметра «${param}» не распознано и не учтено.`,
  skipToContent: 'Перейти к содержимому',
  stillOpen: 'продолжается',
};

const KK: BoardWords = {
  lang: 'kk',
  locale: LOCALES.kk,
  languageName: LANGUAGE_NAMES.kk,
  title: 'Көмек орталықтарына хабарласуға бола ма',
  tagline: 'Анықтамалықтағы әр орталық қоңырау және сайтқа сұрау арқылы тексеріледі; мұнда кім шынымен жауап беретіні көрінеді.',
  summary: (r, t) => `Анықтамалықтағы ${count('kk', t, LISTED_CENTER_OF)} ${kkPossessive(r)} соңғы 7 күнде қолжетімді болды.`,
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
  centerStatus: CENTER_STATUS_WORDS.kk,
  channelStatus: CHANNEL_STATUS_WORDS.kk,
  outcome: (o) => (o === 'error' ? 'біз жақтағы ақау' : CHANNEL_STATUS_WORDS.kk[o]),
  channelType: CHANNEL_TYPE_WORDS.kk,
  kinds: { rehabilitation_center: 'Оңалту орталығы', religious_studies_center: 'Дінтану орталығы', hotline: 'Сенім телефоны', directory: 'Анықтамалық' },
  lastVerified: (when) => `${when} тексерілді`,
  never: 'әлі тексерілмеген',
  since: (when) => `${when} бастап`,
  days90: '90 күндегі қолжетімділік',
  noData: 'дерек жоқ',
  dayFigure: (d, p, r, c) => `${d}: ${p}% (${count('kk', c, ATTEMPT_OF)} ${kkPossessive(r)})`,
  dayNoData: (d) => `${d}: дерек жоқ`,
  barSummary: (n, p) => (p === null ? '90 күнде дерек жоқ.' : `90 күнде: ${count('kk', n, DAY_WITH_DATA)} деректері, қолжетімділік ${p}%.`),
  availability: 'Қолжетімділік',
  lastNDays: (n) => count('kk', n, DAY),
  attempts: (n) => count('kk', n, ATTEMPT),
  incidents: 'Оқиғалар',
  noIncidents: 'Оқиғалар болған жоқ.',
  opened: 'Басталды',
  closed: 'Аяқталды',
  ongoing: 'жалғасуда',
  wentDark: 'қолжетімсіз болды',
  maintenance: 'жоспарлы уақыт',
  probeHistory: 'Тексерулер тарихы',
  vantage: VANTAGE_WORDS.kk,
  when: 'Қашан',
  channel: 'Байланыс',
  outcomeHeading: 'Нәтиже',
  detail: 'Толығырақ',
  channels: 'Байланыстар',
  backToBoard: '← Барлық орталықтарға',
  page: (n, of) => `${of} беттің ${kkPossessive(n)}`,
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
  notCheckedYet: 'әлі тексерілмеген',
  goingDark: 'жауап бермейді (расталуда)',
  latestAttempt: (what) => `соңғы әрекет: ${what}`,
  nothingChecked: (t) => `Анықтамалықтағы ${count('kk', t, LISTED_CENTER_OF)} ешқайсысы әлі тексерілмеген.`,
  notCheckedCount: (n) => `Әлі тексерілмегені: ${n}.`,
  dataAsOf: (when) => `Деректер ${when} бойынша.`,
  noDataYet: 'Деректер әлі жоқ.',
  degraded: (since) => `Мониторинг ${since} бастап ақаумен жұмыс істеуде (біз жақтағы мәселе). Ол түзетілгенше орталықтар қолжетімсіз деп белгіленбейді, ал сандар ескірген болуы мүмкін.`,
  maintenanceNow: (scope, until, reason) => `Жоспарлы жұмыстар (${scope}) ${until} дейін: ${reason}`,
  maintenanceUpcoming: (scope, from, until, reason) => `Жоспарланған жұмыстар (${scope}) ${from} бастап ${until} дейін: ${reason}`,
  wholeDirectory: 'бүкіл анықтамалық',
  badQuery: (param, value) => `«${param}» параметрінің «${value}» мәні танылмады және ескерілмеді.`,
  skipToContent: 'Мазмұнға өту',
  stillOpen: 'жалғасуда',
};

const EN: BoardWords = {
  lang: 'en',
  locale: LOCALES.en,
  languageName: LANGUAGE_NAMES.en,
  title: 'Can the help centers be reached?',
  tagline: 'Every center listed in the directory is checked by phone calls and website requests; this board shows who actually answers.',
  summary: (r, t) => `${r} of ${count('en', t, LISTED_CENTER_OF)} were reachable in the last 7 days.`,
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
  centerStatus: CENTER_STATUS_WORDS.en,
  channelStatus: CHANNEL_STATUS_WORDS.en,
  outcome: (o) => (o === 'error' ? 'failure on our side' : CHANNEL_STATUS_WORDS.en[o]),
  channelType: CHANNEL_TYPE_WORDS.en,
  kinds: { rehabilitation_center: 'Rehabilitation center', religious_studies_center: 'Religious studies center', hotline: 'Hotline', directory: 'Directory' },
  lastVerified: (when) => `verified ${when}`,
  never: 'not checked yet',
  since: (when) => `since ${when}`,
  days90: 'Availability over 90 days',
  noData: 'no data',
  dayFigure: (d, p, r, c) => `${d}: ${p}% (${r} of ${count('en', c, ATTEMPT_OF)})`,
  dayNoData: (d) => `${d}: no data`,
  barSummary: (n, p) => (p === null ? 'No data in 90 days.' : `Over 90 days: ${count('en', n, DAY_WITH_DATA)}, ${p}% available.`),
  availability: 'Availability',
  lastNDays: (n) => count('en', n, DAY),
  attempts: (n) => count('en', n, ATTEMPT),
  incidents: 'Incidents',
  noIncidents: 'No incidents.',
  opened: 'Opened',
  closed: 'Closed',
  ongoing: 'ongoing',
  wentDark: 'went dark',
  maintenance: 'maintenance window',
  probeHistory: 'Probe history',
  vantage: VANTAGE_WORDS.en,
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
  notCheckedYet: 'not checked yet',
  goingDark: 'not answering (being confirmed)',
  latestAttempt: (what) => `latest attempt: ${what}`,
  nothingChecked: (t) => `None of the ${count('en', t, LISTED_CENTER_OF)} has been checked yet.`,
  notCheckedCount: (n) => `Not checked yet: ${n}.`,
  dataAsOf: (when) => `Data as of ${when}.`,
  noDataYet: 'No data yet.',
  degraded: (since) => `Monitoring degraded since ${since} (a problem on our side). Until it is fixed no center is marked down, and the figures may be out of date.`,
  maintenanceNow: (scope, until, reason) => `Maintenance (${scope}) until ${until}: ${reason}`,
  maintenanceUpcoming: (scope, from, until, reason) => `Planned maintenance (${scope}) from ${from} to ${until}: ${reason}`,
  wholeDirectory: 'the whole directory',
  badQuery: (param, value) => `The value "${value}" of "${param}" was not understood and is ignored.`,
  skipToContent: 'Skip to content',
  stillOpen: 'ongoing',
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
