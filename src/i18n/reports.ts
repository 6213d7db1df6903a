// The reports' own words in Russian, Kazakh and English: headings, and the counting rules as
// sentences, so a printed report carries the rules it was computed by. Status and outcome words are
// the board's (board.ts), so a report says "dark" where the board and the alerts do.

import type { CallingWindow } from '../calling/policy.ts';
import type { Language } from './languages.ts';
import { ATTEMPT, DISTINCT_SLOT_SPAN, IDENTICAL_OUTCOME_AFTER } from './nouns.ts';
import { count } from './plural.ts';

export interface RuleFacts {
  tz: string;
  from: string;
  to: string;
  confirmations: number;
  minSlots: number;
  /** telephony.answer_confirmations */
  answerConfirmations: number;
  callingHours: CallingWindow;
}

export interface ReportWords {
  title: string;
  /** `until` is the last day, included; equal to `date` for a one-day table. */
  thesisTitle: (date: string, until: string) => string;
  generated: string;
  period: string;
  timeZone: string;
  granularity: Record<'day' | 'week' | 'month', string>;
  rules: string;
  center: string;
  channel: string;
  total: string;
  bucket: string;
  hours: string;
  /** A number of hours with the unit's abbreviation, which does not inflect: "48 h", "48 ч", "48 сағ." */
  hoursShort: (n: number) => string;
  probes: string;
  classes: Record<'reachable' | 'down' | 'impaired' | 'inconclusive' | 'errors', string>;
  availability: string;
  callingHours: string;
  maintenance: string;
  maintenanceWindows: string;
  incidents: string;
  longestOutage: string;
  outageKind: Record<'dark' | 'partial' | 'down' | 'impaired', string>;
  firstReachable: string;
  lastReachable: string;
  noData: string;
  none: string;
  ongoing: string;
  opened: string;
  closed: string;
  worst: string;
  reason: string;
  noCenters: string;
  weekdays: string[];
  /** Thesis table columns: Name, Address/Region, Accessibility. */
  name: string;
  addressRegion: string;
  accessibility: string;
  contacts: string;
  thesisNote: (date: string, until: string, tz: string) => string;
  attemptsOf: (n: number) => string;
  /** The counting rules, one sentence per topic. */
  statements: (f: RuleFacts) => { topic: string; text: string }[];
}

const days = (w: CallingWindow, names: string[]) => w.days.map((d) => names[d - 1]).join(', ');

const EN: ReportWords = {
  title: 'Availability report',
  thesisTitle: (d, u) => (d === u ? `Accessibility of the centers on ${d}` : `Accessibility of the centers from ${d} to ${u}`),
  generated: 'Generated',
  period: 'Period',
  timeZone: 'Time zone',
  granularity: { day: 'by day', week: 'by ISO week', month: 'by month' },
  rules: 'How the figures are counted',
  center: 'Center',
  channel: 'Channel',
  total: 'Whole period',
  bucket: 'Period',
  hours: 'Hours',
  hoursShort: (n) => `${n} h`,
  probes: 'Probes',
  classes: { reachable: 'Reachable', down: 'Down', impaired: 'Impaired', inconclusive: 'Inconclusive', errors: 'Our errors' },
  availability: 'Availability',
  callingHours: 'In calling hours',
  maintenance: 'Maintenance',
  maintenanceWindows: 'Maintenance windows',
  incidents: 'Incidents',
  longestOutage: 'Longest outage',
  outageKind: { dark: 'dark', partial: 'partly reachable', down: 'down', impaired: 'impaired' },
  firstReachable: 'First reachable',
  lastReachable: 'Last reachable',
  noData: 'no data',
  none: 'none',
  ongoing: 'ongoing',
  opened: 'Opened',
  closed: 'Closed',
  worst: 'Worst',
  reason: 'Reason',
  noCenters: 'No center matches the filter.',
  weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
  name: 'Name',
  addressRegion: 'Address/Region',
  accessibility: 'Accessibility',
  contacts: 'Contacts',
  thesisNote: (d, u, tz) =>
    (d === u
      ? `What the probes of ${d} said, per contact (each center's own local day; ${tz} when it has no zone). The first line is the day's summary in the board's words: `
      : `What the probes from ${d} to ${u} (both days included) said, per contact (each center's own local days; ${tz} when it has no zone). The first line is the summary of those days in the board's words: `) +
    'reachable when every contact with evidence answered, dark when every one of them was down, partly reachable otherwise; it is not the confirmed status. ' +
    'Numbers in brackets are attempts; our own failures are never counted as the center\'s.',
  attemptsOf: (n) => count('en', n, ATTEMPT),
  statements: (f) => [
    { topic: 'period', text: `The period is ${f.from} to ${f.to} (end excluded). A date means a whole local day in ${f.tz}, and "to" includes its day; an instant is taken as written. The period is widened to whole UTC hours, because the figures come from hourly rollups.` },
    { topic: 'classes', text: 'Each probe counts in one class: reachable (reachable); down (unavailable, wrong_number, closed, no_answer); impaired (busy, voicemail, callback_requested, redirected); inconclusive (inconclusive, including a Lookup that only found the number valid); errors (error: our own failures).' },
    { topic: 'availability', text: 'Availability = reachable / (reachable + down + impaired). Inconclusive attempts and our errors are left out of it.' },
    { topic: 'errors', text: 'Our own errors (our network, our telephony account, our disk) are never counted as down: they are reported as errors and left out of availability.' },
    { topic: 'noData', text: 'A period without any reachable, down or impaired attempt has no availability (null, shown as "no data"), never 0 %. Hours without data are not down.' },
    { topic: 'maintenance', text: 'Every hour that overlaps a declared maintenance window of the center or its region (from its start to its end, or to when it was ended early) is reported separately under "maintenance" and left out of availability and calling-hours availability. Probe and outcome counts still include those hours.' },
    { topic: 'callingHours', text: `Availability in calling hours counts only the hours that overlap ${days(f.callingHours, EN.weekdays)} ${f.callingHours.from}–${f.callingHours.to} in each center's own time zone (${f.tz} for centers without one), maintenance hours excluded.` },
    { topic: 'confirmation', text: `A channel's status changes only after ${count('en', f.confirmations, IDENTICAL_OUTCOME_AFTER)} (our errors neither count nor break the run), or ${f.answerConfirmations} when a person answered the call menu (this is the center, wrong number, closed, moved, call back later); a phone is declared no_answer or unavailable only when those attempts also span ${count('en', f.minSlots, DISTINCT_SLOT_SPAN)} (before or after 13:00 local time), as in the 2018 protocol. Availability counts every attempt; incidents and outages follow the confirmed statuses.` },
    { topic: 'timeZones', text: `Buckets (day; ISO week from Monday; calendar month) are cut at local midnight in ${f.tz}, and an hour belongs to the bucket in which it starts. Calling hours use each center's zone. Times in JSON and CSV are UTC (ISO 8601); this page shows them in ${f.tz}.` },
    { topic: 'granularity', text: 'Rollups are kept per channel and UTC hour and written with every probe, so every figure is exact for whole hours and no raw probe is rescanned.' },
    { topic: 'centerTotals', text: "A center's figures are the sums of its channels' counts; its availability is computed from those sums, not averaged." },
    { topic: 'incidents', text: 'An incident is a period in which the center was partly reachable or dark, opened and closed by confirmed status changes. Every incident that overlaps a period is counted in it, with the maintenance window it was opened in, if any.' },
    { topic: 'longestOutage', text: 'The longest outage is the longest unbroken spell of the confirmed status "dark" within the period (cut at its ends and at the time of the report); if the center was never dark in it, the longest "partly reachable" spell, and "kind" says which. For a channel: the longest spell of a confirmed down status, else of an impaired one.' },
    { topic: 'firstLastReachable', text: 'First and last reachable are the exact times of the first and last reachable probe in the period: the hour is found in the rollups, the probe by one index seek.' },
    { topic: 'listing', text: 'Every center and channel is included unless it was archived before the period began; archived ones keep their history, and one added later shows no data.' },
  ],
};

const RU: ReportWords = {
  title: 'Отчёт о доступности',
  thesisTitle: (d, u) => (d === u ? `Доступность центров на ${d}` : `Доступность центров с ${d} по ${u}`),
  generated: 'Составлен',
  period: 'Период',
  timeZone: 'Часовой пояс',
  granularity: { day: 'по дням', week: 'по неделям ISO', month: 'по месяцам' },
  rules: 'Как считаются показатели',
  center: 'Центр',
  channel: 'Контакт',
  total: 'Весь период',
  bucket: 'Период',
  hours: 'Часы',
  hoursShort: (n) => `${n} ч`,
  probes: 'Проверки',
  classes: { reachable: 'Доступен', down: 'Недоступен', impaired: 'Без помощи', inconclusive: 'Неясно', errors: 'Наши сбои' },
  availability: 'Доступность',
  callingHours: 'В часы звонков',
  maintenance: 'Плановые окна',
  maintenanceWindows: 'Плановые окна',
  incidents: 'Инциденты',
  longestOutage: 'Самый долгий сбой',
  outageKind: { dark: 'недоступен', partial: 'доступен частично', down: 'недоступен', impaired: 'без помощи' },
  firstReachable: 'Впервые доступен',
  lastReachable: 'Последний раз доступен',
  noData: 'нет данных',
  none: 'нет',
  ongoing: 'продолжается',
  opened: 'Начало',
  closed: 'Конец',
  worst: 'Худшее',
  reason: 'Причина',
  noCenters: 'Ни один центр не подходит под условия.',
  weekdays: ['пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс'],
  name: 'Название',
  addressRegion: 'Адрес/регион',
  accessibility: 'Доступность',
  contacts: 'Контакты',
  thesisNote: (d, u, tz) =>
    (d === u
      ? `Что показали проверки за ${d} по каждому контакту (местный день каждого центра; ${tz}, если пояс не указан). Первая строка — итог дня словами доски: `
      : `Что показали проверки с ${d} по ${u} включительно по каждому контакту (местные дни каждого центра; ${tz}, если пояс не указан). Первая строка — итог этих дней словами доски: `) +
    'доступен, если ответили все контакты, по которым есть данные; недоступен, если все они недоступны; иначе доступен частично. Это не подтверждённый статус. ' +
    'В скобках — число попыток; наши сбои не считаются сбоями центра.',
  attemptsOf: (n) => count('ru', n, ATTEMPT),
  statements: (f) => [
    { topic: 'period', text: `Период: с ${f.from} до ${f.to} (конец не входит). Дата означает целые местные сутки в поясе ${f.tz}, и «to» включает свой день; момент времени берётся как написан. Период расширяется до целых часов UTC, потому что показатели берутся из почасовых сводок.` },
    { topic: 'classes', text: 'Каждая проверка попадает в один класс: доступен (reachable); недоступен (unavailable, wrong_number, closed, no_answer); без помощи (busy, voicemail, callback_requested, redirected); неясно (inconclusive, в том числе Lookup, который лишь подтвердил, что номер существует); наши сбои (error).' },
    { topic: 'availability', text: 'Доступность = доступен / (доступен + недоступен + без помощи). Неясные попытки и наши сбои не учитываются.' },
    { topic: 'errors', text: 'Наши собственные сбои (наша сеть, наш аккаунт телефонии, наш диск) никогда не считаются недоступностью: они показаны отдельно и в доступность не входят.' },
    { topic: 'noData', text: 'Если за период не было ни одной попытки с ответом «доступен», «недоступен» или «без помощи», доступности нет (null, «нет данных»), а не 0 %. Часы без данных — не недоступность.' },
    { topic: 'maintenance', text: 'Каждый час, пересекающийся с объявленным плановым окном центра или его региона (от начала до конца окна или до его досрочного завершения), показан отдельно в графе «плановые окна» и не входит в доступность и доступность в часы звонков. Число проверок и исходов эти часы включает.' },
    { topic: 'callingHours', text: `Доступность в часы звонков учитывает только часы, пересекающиеся с ${days(f.callingHours, RU.weekdays)} ${f.callingHours.from}–${f.callingHours.to} по местному времени каждого центра (${f.tz}, если пояс не указан), без часов плановых окон.` },
    { topic: 'confirmation', text: `Статус контакта меняется только после ${count('ru', f.confirmations, IDENTICAL_OUTCOME_AFTER)} подряд (наши сбои не считаются и не прерывают серию) или после ${f.answerConfirmations}, если человек ответил через меню звонка (это центр, не тот номер, закрыт, переехал, перезвоните позже); телефон признаётся «не отвечает» или «недоступен», только если эти попытки приходятся не менее чем на ${count('ru', f.minSlots, DISTINCT_SLOT_SPAN)} (до или после 13:00 по местному времени), как в протоколе 2018 года. Доступность учитывает каждую попытку; инциденты и сбои следуют подтверждённым статусам.` },
    { topic: 'timeZones', text: `Периоды (день; неделя ISO с понедельника; календарный месяц) делятся по местной полуночи в поясе ${f.tz}; час относится к периоду, в котором он начинается. Часы звонков — по поясу каждого центра. Время в JSON и CSV — UTC (ISO 8601); на этой странице — в поясе ${f.tz}.` },
    { topic: 'granularity', text: 'Сводки ведутся по каждому контакту и часу UTC и пишутся вместе с каждой проверкой, поэтому показатели точны для целых часов и сырые проверки заново не просматриваются.' },
    { topic: 'centerTotals', text: 'Показатели центра — суммы показателей его контактов; доступность считается по этим суммам, а не усредняется.' },
    { topic: 'incidents', text: 'Инцидент — время, когда центр был доступен частично или недоступен; он открывается и закрывается подтверждёнными изменениями статуса. В период засчитывается каждый инцидент, пересекающийся с ним, с плановым окном, в котором он открылся, если такое было.' },
    { topic: 'longestOutage', text: 'Самый долгий сбой — самый долгий непрерывный отрезок подтверждённого статуса «недоступен» в пределах периода (обрезанный его границами и временем составления отчёта); если центр ни разу не был недоступен, — самый долгий отрезок «доступен частично», и поле «kind» говорит, какой. Для контакта — самый долгий отрезок подтверждённого статуса недоступности, иначе — «без помощи».' },
    { topic: 'firstLastReachable', text: 'Впервые и в последний раз доступен — точное время первой и последней успешной проверки в периоде: час находится по сводкам, проверка — одним поиском по индексу.' },
    { topic: 'listing', text: 'В отчёт входят все центры и контакты, кроме убранных в архив до начала периода; у архивных сохраняется история, а у добавленных позже — «нет данных».' },
  ],
};

const KK: ReportWords = {
  title: 'Қолжетімділік есебі',
  thesisTitle: (d, u) => (d === u ? `Орталықтардың ${d} күнгі қолжетімділігі` : `Орталықтардың ${d} – ${u} аралығындағы қолжетімділігі`),
  generated: 'Жасалды',
  period: 'Кезең',
  timeZone: 'Уақыт белдеуі',
  granularity: { day: 'күн бойынша', week: 'ISO апта бойынша', month: 'ай бойынша' },
  rules: 'Көрсеткіштер қалай есептеледі',
  center: 'Орталық',
  channel: 'Байланыс',
  total: 'Бүкіл кезең',
  bucket: 'Кезең',
  hours: 'Сағат',
  hoursShort: (n) => `${n} сағ.`,
  probes: 'Тексерулер',
  classes: { reachable: 'Қолжетімді', down: 'Қолжетімсіз', impaired: 'Көмексіз', inconclusive: 'Белгісіз', errors: 'Біздің ақаулар' },
  availability: 'Қолжетімділік',
  callingHours: 'Қоңырау сағаттарында',
  maintenance: 'Жоспарлы уақыт',
  maintenanceWindows: 'Жоспарлы уақыттар',
  incidents: 'Оқиғалар',
  longestOutage: 'Ең ұзақ іркіліс',
  outageKind: { dark: 'қолжетімсіз', partial: 'ішінара қолжетімді', down: 'қолжетімсіз', impaired: 'көмексіз' },
  firstReachable: 'Алғаш қолжетімді',
  lastReachable: 'Соңғы рет қолжетімді',
  noData: 'дерек жоқ',
  none: 'жоқ',
  ongoing: 'жалғасуда',
  opened: 'Басталды',
  closed: 'Аяқталды',
  worst: 'Ең нашар',
  reason: 'Себебі',
  noCenters: 'Шартқа сай орталық жоқ.',
  weekdays: ['дс', 'сс', 'ср', 'бс', 'жм', 'сн', 'жс'],
  name: 'Атауы',
  addressRegion: 'Мекенжай/өңір',
  accessibility: 'Қолжетімділік',
  contacts: 'Байланыстар',
  thesisNote: (d, u, tz) =>
    (d === u
      ? `${d} күнгі тексерулер әр байланыс бойынша не көрсетті (әр орталықтың жергілікті күні; белдеуі көрсетілмесе ${tz}). Бірінші жол — күннің тақтадағы сөздермен қорытындысы: `
      : `${d} – ${u} аралығындағы (екі күн де кіреді) тексерулер әр байланыс бойынша не көрсетті (әр орталықтың жергілікті күндері; белдеуі көрсетілмесе ${tz}). Бірінші жол — осы күндердің тақтадағы сөздермен қорытындысы: `) +
    'деректері бар барлық байланыс жауап берсе — қолжетімді; олардың бәрі қолжетімсіз болса — қолжетімсіз; әйтпесе ішінара қолжетімді. Бұл расталған мәртебе емес. ' +
    'Жақшада — әрекеттер саны; біздің ақауларымыз орталықтың ақауы болып саналмайды.',
  attemptsOf: (n) => count('kk', n, ATTEMPT),
  statements: (f) => [
    { topic: 'period', text: `Кезең: ${f.from} бастап ${f.to} дейін (соңы кірмейді). Күн ${f.tz} белдеуіндегі толық жергілікті тәулікті білдіреді, ал «to» өз күнін қамтиды; уақыт сәті жазылғандай алынады. Көрсеткіштер сағаттық жиынтықтардан алынатындықтан, кезең UTC бойынша толық сағаттарға дейін кеңейтіледі.` },
    { topic: 'classes', text: 'Әр тексеру бір сыныпқа жатады: қолжетімді (reachable); қолжетімсіз (unavailable, wrong_number, closed, no_answer); көмексіз (busy, voicemail, callback_requested, redirected); белгісіз (inconclusive, соның ішінде нөмірдің бар екенін ғана растаған Lookup); біздің ақаулар (error).' },
    { topic: 'availability', text: 'Қолжетімділік = қолжетімді / (қолжетімді + қолжетімсіз + көмексіз). Белгісіз әрекеттер мен біздің ақауларымыз есепке алынбайды.' },
    { topic: 'errors', text: 'Біздің ақауларымыз (желіміз, телефония аккаунтымыз, дискіміз) ешқашан қолжетімсіздік болып саналмайды: олар бөлек көрсетіліп, қолжетімділікке кірмейді.' },
    { topic: 'noData', text: 'Кезеңде «қолжетімді», «қолжетімсіз» немесе «көмексіз» деген бірде-бір әрекет болмаса, қолжетімділік жоқ (null, «дерек жоқ»), 0 % емес. Деректері жоқ сағаттар қолжетімсіздік емес.' },
    { topic: 'maintenance', text: 'Орталықтың немесе оның өңірінің жарияланған жоспарлы уақытымен (басынан соңына дейін немесе мерзімінен бұрын аяқталғанға дейін) қиылысатын әр сағат «жоспарлы уақыт» бағанында бөлек көрсетіліп, қолжетімділікке және қоңырау сағаттарындағы қолжетімділікке кірмейді. Тексерулер мен нәтижелер саны бұл сағаттарды қамтиды.' },
    { topic: 'callingHours', text: `Қоңырау сағаттарындағы қолжетімділік әр орталықтың жергілікті уақыты бойынша ${days(f.callingHours, KK.weekdays)} ${f.callingHours.from}–${f.callingHours.to} аралығымен қиылысатын сағаттарды ғана есептейді (белдеуі көрсетілмесе ${f.tz}), жоспарлы уақыт сағаттарынсыз.` },
    { topic: 'confirmation', text: `Байланыстың мәртебесі қатарынан ${count('kk', f.confirmations, IDENTICAL_OUTCOME_AFTER)} кейін ғана өзгереді (біздің ақауларымыз есептелмейді және қатарды үзбейді), ал адам қоңырау мәзірі арқылы жауап берсе (бұл орталық, қате нөмір, жабылған, көшкен, кейін қоңырау шалыңыз), ${f.answerConfirmations} жауаптан кейін; телефон «жауап бермейді» немесе «қолжетімсіз» деп бұл әрекеттер кемінде ${count('kk', f.minSlots, DISTINCT_SLOT_SPAN)} (жергілікті уақытпен 13:00-ге дейін не кейін) тиесілі болғанда ғана танылады, 2018 жылғы хаттамадағыдай. Қолжетімділік әр әрекетті есептейді; оқиғалар мен іркілістер расталған мәртебелерге сүйенеді.` },
    { topic: 'timeZones', text: `Кезеңдер (күн; дүйсенбіден басталатын ISO апта; күнтізбелік ай) ${f.tz} белдеуіндегі жергілікті түн ортасында бөлінеді; сағат өзі басталған кезеңге жатады. Қоңырау сағаттары әр орталықтың белдеуі бойынша. JSON мен CSV-дегі уақыт UTC (ISO 8601); бұл бетте ${f.tz} бойынша.` },
    { topic: 'granularity', text: 'Жиынтықтар әр байланыс пен UTC сағаты бойынша жүргізіліп, әр тексерумен бірге жазылады, сондықтан көрсеткіштер толық сағаттар үшін дәл және шикі тексерулер қайта қаралмайды.' },
    { topic: 'centerTotals', text: 'Орталықтың көрсеткіштері — оның байланыстары көрсеткіштерінің қосындысы; қолжетімділік орташаланбай, осы қосындылардан есептеледі.' },
    { topic: 'incidents', text: 'Оқиға — орталық ішінара қолжетімді немесе қолжетімсіз болған уақыт; ол расталған мәртебе өзгерістерімен ашылып, жабылады. Кезеңмен қиылысатын әр оқиға, ашылған жоспарлы уақытымен бірге, сол кезеңде есептеледі.' },
    { topic: 'longestOutage', text: 'Ең ұзақ іркіліс — кезең ішіндегі (оның шекаралары мен есеп жасалған уақытпен қиылған) расталған «қолжетімсіз» мәртебесінің ең ұзақ үздіксіз бөлігі; орталық ешқашан қолжетімсіз болмаса — ең ұзақ «ішінара қолжетімді» бөлігі, ал «kind» өрісі қайсысы екенін айтады. Байланыс үшін — расталған қолжетімсіз мәртебенің ең ұзақ бөлігі, болмаса — көмексіз мәртебенің.' },
    { topic: 'firstLastReachable', text: 'Алғаш және соңғы рет қолжетімді — кезеңдегі алғашқы және соңғы сәтті тексерудің нақты уақыты: сағаты жиынтықтардан, тексеру индекс бойынша бір іздеумен табылады.' },
    { topic: 'listing', text: 'Есепке кезең басталғанға дейін мұрағатқа жіберілгендерден басқа барлық орталықтар мен байланыстар кіреді; мұрағаттағылардың тарихы сақталады, ал кейін қосылғандарда «дерек жоқ».' },
  ],
};

export const REPORT_WORDS: Record<Language, ReportWords> = { ru: RU, kk: KK, en: EN };
