// The board's words for vantage points (docs/agents.md): which place saw what, why a point says
// nothing, and what a combined verdict's flags mean. In their own file so parallel additions to the
// board's words merge cleanly.

import type { Language } from './languages.ts';

export interface VantageWords {
  /** Heading of a channel's per-point list. */
  heading: string;
  /** This daemon's own point. */
  central: string;
  domestic: string;
  abroad: string;
  /** The `geo_restricted` flag, for people who never heard of vantage points. */
  geoRestricted: string;
  pointsDisagree: string;
  staleHold: string;
  /** "no data from <point>" */
  noDataFrom: (point: string) => string;
  agentsStale: string;
  noAgents: string;
  noResults: string;
  /** "via agent <name>" */
  agent: (name: string) => string;
}

export const VANTAGE_WORDS: Record<Language, VantageWords> = {
  ru: {
    heading: 'Откуда проверяли',
    central: 'основной сервер',
    domestic: 'внутри страны',
    abroad: 'за рубежом',
    geoRestricted: 'отвечает внутри Казахстана, но не из-за рубежа',
    pointsDisagree: 'точки проверки расходятся в том, что не работает; статус не меняется',
    staleHold: 'не считается недоступным, пока молчащая точка проверки в последний раз видела его рабочим',
    noDataFrom: (p) => `нет данных от точки «${p}»`,
    agentsStale: 'её агенты не выходят на связь',
    noAgents: 'у неё нет подключённых агентов',
    noResults: 'результатов пока недостаточно',
    agent: (n) => `агент ${n}`,
  },
  kk: {
    heading: 'Қайдан тексерілді',
    central: 'негізгі сервер',
    domestic: 'ел ішінде',
    abroad: 'шетелде',
    geoRestricted: 'Қазақстан ішінде жауап береді, шетелден жауап бермейді',
    pointsDisagree: 'тексеру нүктелері не істемейтінін әртүрлі көрсетеді; мәртебе өзгермейді',
    staleHold: 'үнсіз тексеру нүктесі оны соңғы рет жұмыс істеп тұрған күйде көргендіктен, қолжетімсіз деп саналмайды',
    noDataFrom: (p) => `«${p}» нүктесінен дерек жоқ`,
    agentsStale: 'оның агенттері байланысқа шықпай тұр',
    noAgents: 'оған қосылған агент жоқ',
    noResults: 'нәтижелер әлі жеткіліксіз',
    agent: (n) => `${n} агенті`,
  },
  en: {
    heading: 'Seen from',
    central: 'main server',
    domestic: 'inside the country',
    abroad: 'abroad',
    geoRestricted: 'answers inside Kazakhstan, not from abroad',
    pointsDisagree: 'the vantage points disagree on what fails; the status is kept',
    staleHold: 'not marked down while a silent vantage point last saw it working',
    noDataFrom: (p) => `no data from ${p}`,
    agentsStale: 'its agents are silent',
    noAgents: 'it has no enrolled agent',
    noResults: 'not enough results yet',
    agent: (n) => `agent ${n}`,
  },
};
