// The grammar the design review found wrong, and word order that differs between the languages, in
// the texts people read: the board's pages (rendered, and served by the real app over a real SQLite
// file), the alerts and the reports' rules. "333 попытки", "1 day with data", "1 attempt", and Kazakh
// "2018 ж. 26 нау. бастап" with the postposition after the date.

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderAlert, type AlertFacts } from '../../src/alerts/messages.ts';
import { buildApp, type App } from '../../src/api/app.ts';
import type { BarDay, WindowFigures } from '../../src/board/data.ts';
import { renderBar, renderBoard, renderCenter, type CenterModel, type PageContext } from '../../src/board/render.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import { BOARD_WORDS } from '../../src/i18n/board.ts';
import type { Language } from '../../src/i18n/languages.ts';
import { REPORT_WORDS, type RuleFacts } from '../../src/i18n/reports.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import type { CenterView } from '../../src/store/queries.ts';
import { tempDir } from '../helpers/tmp.ts';

const ctx = (lang: Language): PageContext => ({ w: BOARD_WORDS[lang], path: '/', query: {}, banners: [], dataAsOf: null, notes: [] });
const day = (d: string, reachable: number, down: number): BarDay => ({ day: d, reachable, down, impaired: 0, probes: reachable + down });
const noData = (d: string): BarDay => day(d, 0, 0);
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

describe('the 90-day bar', () => {
  const one = [noData('2018-03-25'), day('2018-03-26', 1, 0)];
  test.each([
    ['en', 'Over 90 days: 1 day with data, 100% available.'],
    ['ru', 'За 90 дней: данные за 1 день, доступность 100%.'],
    ['kk', '90 күнде: 1 күннің деректері, қолжетімділік 100%.'],
  ] as const)('%s: one day with data', (lang, caption) => {
    expect(renderBar(BOARD_WORDS[lang], one)).toContain(`<figcaption>${caption}</figcaption>`);
  });
  test.each([
    ['en', 81, 'Over 90 days: 81 days with data'],
    ['ru', 81, 'данные за 81 день'],
    ['ru', 22, 'данные за 22 дня'],
    ['ru', 25, 'данные за 25 дней'],
    ['kk', 81, '90 күнде: 81 күннің деректері'],
  ] as const)('%s: %i days with data', (lang, n, caption) => {
    const bar = Array.from({ length: n }, (_, i) => day(new Date(Date.UTC(2018, 0, 1 + i)).toISOString().slice(0, 10), 1, 0));
    expect(renderBar(BOARD_WORDS[lang], bar)).toContain(caption);
  });
  test.each([
    ['en', 1, 1, '100% (1 of 1 attempt)'],
    ['en', 0, 4, '0% (0 of 4 attempts)'],
    ['ru', 1, 1, '100% (1 из 1 попытки)'],
    ['ru', 20, 21, '(20 из 21 попытки)'],
    ['ru', 333, 333, '100% (333 из 333 попыток)'],
    ['ru', 3, 4, '75% (3 из 4 попыток)'],
    ['kk', 2, 4, '50% (4 әрекеттің 2-сі)'],
    ['kk', 3, 4, '75% (4 әрекеттің 3-і)'],
    ['kk', 6, 10, '60% (10 әрекеттің 6-сы)'],
  ] as const)('%s: a day of %i reachable of %i', (lang, r, c, title) => {
    const html = renderBar(BOARD_WORDS[lang], [day('2018-03-26', r, c - r)]);
    expect(html).toMatch(new RegExp(`title="[^"]*${title.replace(/[().%]/g, '\\$&')}"`));
  });
});

const channel = (over: Partial<CenterView['channels'][number]> = {}): CenterView['channels'][number] => ({
  id: 'ansar--phone-1', type: 'phone', value: '+7 716 222 33 44', target: '+77162223344', probeable: true, unprobeableReason: null, archived: false,
  status: 'unavailable', statusSince: '2018-03-26T05:00:00.000Z', statusReason: null, lastOutcome: 'unavailable', lastReason: null, lastDetail: null, lastFlags: [],
  lastProbeAt: '2018-03-26T05:00:00.000Z', lastVerifiedAt: null, lastReachableAt: null, nextDueAt: null, confirming: null, ...over,
});
const center: CenterView = {
  id: 'ansar', name: 'Ansar', kind: 'rehabilitation_center', city: 'Kokshetau', region: 'Akmola Region', tz: 'Asia/Almaty', archived: false,
  status: 'dark', statusSince: '2018-03-26T05:00:00.000Z', openIncidentId: null, channels: [channel()],
};
const windowOf = (days: number, down: number): WindowFigures => ({ days, reachable: 0, down, impaired: 0, probes: down, availability: down ? 0 : null });
const model = (attempts: number): CenterModel => ({
  center, tz: 'Asia/Almaty', bar: [day('2018-03-26', 0, attempts)], windows: [windowOf(7, attempts), windowOf(90, attempts)], channelWindows: new Map(), incidents: [],
  probes: [{ channelId: 'ansar--phone-1', startedAt: Date.UTC(2018, 2, 26, 5), method: 'manual', outcome: 'unavailable', reason: 'r', flags: [], attempts, firstAt: Date.UTC(2018, 2, 26, 4) }],
});

describe('the center page', () => {
  test.each([
    ['en', 1, '<td>1 attempt</td>', '7 days'],
    ['en', 2, '<td>2 attempts</td>', '90 days'],
    ['ru', 333, '<td>333 попытки</td>', '7 дней'],
    ['ru', 1, '<td>1 попытка</td>', '90 дней'],
    ['ru', 5, '<td>5 попыток</td>', '7 дней'],
    ['kk', 333, '<td>333 әрекет</td>', '90 күн'],
  ] as const)('%s: a window of %i attempts', (lang, n, figure, window) => {
    const html = renderCenter(ctx(lang), model(n));
    expect(html).toContain(figure);
    expect(html).toContain(`<th scope="row">${window}</th>`);
  });
  test.each([
    ['en', 2, '(2 attempts)'],
    ['ru', 3, '(3 попытки)'],
    ['ru', 21, '(21 попытка)'],
    ['kk', 3, '(3 әрекет)'],
  ] as const)('%s: a probe standing for %i attempts says so', (lang, n, words) => {
    expect(renderCenter(ctx(lang), model(n))).toContain(words);
  });
  test.each([
    // Asia/Almaty was UTC+6 in 2018: 05:00 UTC is 11:00 there.
    ['kk', 'Kokshetau · 2018 ж. 26 нау., 11:00 бастап'],
    ['ru', 'Kokshetau · с 26 мар. 2018 г., 11:00'],
    ['en', 'Kokshetau · since 26 Mar 2018, 11:00'],
  ] as const)('%s: "since" stands where the language puts it', (lang, meta) => {
    const html = renderCenter(ctx(lang), model(1));
    expect(text(/<p class="meta">[\s\S]*?<\/p>/.exec(html)?.[0] ?? '')).toContain(meta);
  });
  test('Kazakh never puts the postposition before a date', () => {
    const html = renderCenter(ctx('kk'), model(1));
    // The page says "бастап" at all, so its absence before a date means something.
    expect(html).toMatch(/\d бастап/);
    expect(html).not.toMatch(/бастап \d/);
  });
  test.each([
    ['kk', '2018 ж. 26 нау., 11:00 тексерілді'],
    ['ru', 'проверено 26 мар. 2018 г., 11:00'],
    ['en', 'verified 26 Mar 2018, 11:00'],
  ] as const)('%s: "verified" stands where the language puts it', (lang, words) => {
    const verified = { ...model(1), center: { ...center, channels: [channel({ status: 'reachable', lastOutcome: 'reachable', lastVerifiedAt: '2018-03-26T05:00:00.000Z' })] } };
    expect(text(/<span class="ch-when">[\s\S]*?<\/span>/.exec(renderCenter(ctx(lang), verified))?.[0] ?? '')).toBe(words);
  });
});

describe('the board', () => {
  const board = (lang: Language, reachable: number, total: number) =>
    renderBoard(ctx(lang), {
      headline: { kind: 'figures', reachable, total, notChecked: 0 },
      summary: { total, reachable, regions: [] }, regions: ['Akmola Region'], kinds: ['rehabilitation_center'], centers: [{ center, bar: [], tz: 'Asia/Almaty' }], matching: 1, pages: 3,
      filters: { page: 2 },
    });
  test.each([
    ['ru', 1, 1, '1 из 1 центра справочника были доступны'],
    ['ru', 12, 21, '12 из 21 центра справочника'],
    ['ru', 12, 45, '12 из 45 центров справочника'],
    ['en', 1, 1, '1 of 1 listed center were reachable'],
    ['en', 12, 45, '12 of 45 listed centers were reachable'],
    ['kk', 12, 45, 'Анықтамалықтағы 45 орталықтың 12-сі соңғы 7 күнде'],
    ['kk', 10, 45, 'Анықтамалықтағы 45 орталықтың 10-ы соңғы 7 күнде'],
  ] as const)('%s: %i of %i centers', (lang, r, t, summary) => {
    expect(board(lang, r, t)).toContain(summary);
  });
  test.each([
    ['kk', '<span class="since">2018 ж. 26 нау., 11:00 бастап</span>', '3 беттің 2-сі'],
    ['ru', '<span class="since">с 26 мар. 2018 г., 11:00</span>', 'Страница 2 из 3'],
    ['en', '<span class="since">since 26 Mar 2018, 11:00</span>', 'Page 2 of 3'],
  ] as const)('%s: "since" and the page number in the language\'s order', (lang, since, page) => {
    const html = board(lang, 0, 1);
    expect(html).toContain(since);
    expect(html).toContain(page);
  });
});

describe('alerts', () => {
  const facts: AlertFacts = {
    event: 'went_dark', at: Date.UTC(2026, 2, 5, 6, 0),
    center: { id: 'ansar', name: 'Ansar', kind: 'rehabilitation_center', region: 'Akmola Region', city: 'Kokshetau', tz: 'Asia/Almaty' },
    status: 'dark', since: Date.UTC(2026, 2, 5, 4, 30), incidentId: 1,
    channels: [{ id: 'ansar--phone-1', type: 'phone', value: '+7 716 222 33 44', status: 'unavailable', since: Date.UTC(2026, 2, 4, 4, 0), reason: 'sip_404' }],
    evidence: [], boardUrl: null,
  };
  test('Kazakh: "бастап" follows the date in the channel line and the SMS', () => {
    const m = renderAlert(facts, 'kk');
    expect(m.text).toMatch(/: қолжетімсіз \(2026 ж\. 4 нау\., 09:00 [^)]*бастап\)$/m);
    expect(m.short).toMatch(/2026 ж\. 5 нау\., 09:30 \S+ бастап/);
    expect(m.text).not.toMatch(/бастап \d/);
    expect(m.short).not.toMatch(/бастап \d/);
  });
  test.each([
    ['ru', /: недоступен \(с 4 мар\. 2026 г\., 09:00 [^)]*\)$/m],
    ['en', /: unavailable \(since 4 Mar 2026, 09:00 [^)]*\)$/m],
  ] as const)('%s: "since" comes before the date', (lang, line) => {
    expect(renderAlert(facts, lang).text).toMatch(line);
  });
});

test.each([
  ['en', '48 h'],
  ['ru', '48 ч'],
  ['kk', '48 сағ.'],
] as const)('%s: hours in a report carry the language\'s unit', (lang, hours) => {
  expect(REPORT_WORDS[lang].hoursShort(48)).toBe(hours);
});

describe('the reports\' rules', () => {
  const facts = (confirmations: number, minSlots: number): RuleFacts => ({
    tz: 'Asia/Almaty', from: '2018-03-26', to: '2018-04-02', confirmations, minSlots, answerConfirmations: 1, callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' },
  });
  const said = (lang: Language, topic: string, f: RuleFacts) => REPORT_WORDS[lang].statements(f).find((s) => s.topic === topic)?.text ?? '';
  test('Kazakh: the period runs "from бастап to дейін", postpositions after their dates', () => {
    expect(said('kk', 'period', facts(3, 2))).toContain('Кезең: 2018-03-26 бастап 2018-04-02 дейін');
  });
  test.each([
    ['ru', 1, 1, 'только после 1 одинакового исхода подряд', 'не менее чем на 1 день или полдень'],
    ['ru', 3, 2, 'только после 3 одинаковых исходов подряд', 'не менее чем на 2 разных дня или полудня'],
    ['ru', 5, 5, 'только после 5 одинаковых исходов подряд', 'не менее чем на 5 разных дней или полудней'],
    ['en', 1, 1, 'only after 1 consecutive identical outcome (', 'also span 1 day or half-day ('],
    ['en', 3, 2, 'only after 3 consecutive identical outcomes (', 'also span 2 different days or half-days ('],
    ['kk', 1, 1, 'қатарынан 1 бірдей нәтижеден кейін', 'кемінде 1 түрлі күнге немесе жарты күнге'],
    ['kk', 3, 2, 'қатарынан 3 бірдей нәтижеден кейін', 'кемінде 2 түрлі күнге немесе жарты күнге'],
  ] as const)('%s: %i confirmations over %i slots', (lang, c, s, confirmations, slots) => {
    const t = said(lang, 'confirmation', facts(c, s));
    expect(t).toContain(confirmations);
    expect(t).toContain(slots);
  });
});

describe('the board served by the app, over a real SQLite file', () => {
  let db: DB;
  let app: App;
  let cleanup: () => void;
  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.remove;
    db = openDatabase(t.dir);
    const reg = `- id: ansar
  name: Ansar
  kind: rehabilitation_center
  city: Kokshetau
  region_normalized: Akmola Region
  tz_iana: Asia/Almaty
  channels:
    - {type: website, value: "https://ansar.example.kz/"}
`;
    syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml')), 'r.yaml', 'x');
    const writer = new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 100, flushIntervalMs: 5 });
    const at = Date.now() - 3_600_000;
    const rec: ProbeRecord = {
      channelId: 'ansar--web-ansar-example-kz', jobId: null, dueAt: at, startedAt: at, durationMs: 1, evidence: { method: 'http', v: 1 },
      classification: { outcome: 'reachable', reason: 'r', detail: 'd', flags: [] },
    };
    const stored = writer.add(rec);
    writer.flush();
    await stored;
    writer.close();
    app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app.close();
    db.close();
    cleanup();
  });
  test('one probe: "1 attempt", "1 day with data", and Kazakh "тексерілді" after the time', async () => {
    const en = (await app.inject('/centers/ansar?lang=en')).body;
    expect(en).toContain('<td>1 attempt</td>');
    expect(en).toContain('Over 90 days: 1 day with data, 100% available.');
    const ru = (await app.inject('/centers/ansar?lang=ru')).body;
    expect(ru).toContain('<td>1 попытка</td>');
    expect(ru).toContain('данные за 1 день');
    const kk = (await app.inject('/centers/ansar?lang=kk')).body;
    const when = text(/<span class="ch-when">[\s\S]*?<\/span>/.exec(kk)?.[0] ?? '');
    expect(when).toMatch(/^\d{4} ж\. \d{1,2} \S+, \d\d:\d\d тексерілді$/);
    expect(text(/<span class="ch-when">[\s\S]*?<\/span>/.exec(en)?.[0] ?? '')).toMatch(/^verified \d{1,2} \w+ \d{4}, \d\d:\d\d$/);
    expect(kk).not.toMatch(/(бастап|тексерілді) \d/);
  });
});
