// The 2018 thesis's Appendix 1 ("Accessibility of the Rehabilitation Centers in Kazakhstan") for any
// day: each center's name, its address and region with the contacts beneath, and what calling and
// loading them that day found, in the board's words. The words per contact come from that day's
// probes; the rollups say which contacts need their probes read at all (only down and impaired
// attempts have more than one outcome behind their class).

import type { Language } from '../alerts/channel.ts';
import { BOARD_WORDS, regionName } from '../board/i18n.ts';
import { OUTCOMES, type Outcome } from '../domain.ts';
import { outcomeClass } from '../status/availability.ts';
import type { CenterStatus } from '../status/center.ts';
import type { DB } from '../store/db.ts';
import { dayStart } from '../util/local-day.ts';
import { selectCenters, selectChannels, type CenterFilter, type ReportSettings } from './availability.ts';
import { nextDate } from './periods.ts';
import { REPORT_WORDS } from './words.ts';

export interface ThesisQuery extends CenterFilter {
  /** YYYY-MM-DD: each center's own local day. */
  date: string;
  lang: Language;
}

/** What a contact's probes said that day, as a class: the first that applies. */
export type DayVerdict = 'reachable' | 'down' | 'impaired' | 'inconclusive' | 'errors' | 'no_data' | 'not_probed';

export interface ThesisContact {
  id: string;
  type: string;
  value: string;
  target: string | null;
  verdict: DayVerdict;
  /** Probes of the day by outcome. */
  attempts: Partial<Record<Outcome, number>>;
  /** "Phone +77272619580: unavailable (3)". */
  words: string;
}

export interface ThesisRow {
  no: number;
  centerId: string;
  name: string;
  city: string | null;
  region: string | null;
  /** "Taldykorgan, Almaty Region", the region in the chosen language. */
  address: string;
  contacts: string[];
  /** The day's summary in the board's words, then one line per contact. */
  accessibility: string[];
  summary: CenterStatus;
  /** The local day's bounds for this center. */
  from: string;
  to: string;
  channels: ThesisContact[];
}

export interface ThesisTable {
  report: 'thesis-table';
  generatedAt: string;
  date: string;
  lang: Language;
  title: string;
  note: string;
  columns: { name: string; addressRegion: string; accessibility: string };
  rows: ThesisRow[];
}

const ORDER = new Map(OUTCOMES.map((o, i) => [o, i]));

export function buildThesisTable(db: DB, q: ThesisQuery, settings: ReportSettings, opts: { now?: number } = {}): ThesisTable {
  const w = BOARD_WORDS[q.lang];
  const rw = REPORT_WORDS[q.lang];
  const tzOf = (tz: string | null) => tz ?? settings.defaultTz;
  // The earliest any zone's local day can begin: who had been archived before it is left out.
  const earliest = dayStart('Etc/GMT-14', q.date);
  const centers = selectCenters(db, q, earliest).sort((a, b) => a.pos - b.pos);
  const channels = selectChannels(db, centers.map((c) => c.id), earliest);
  const hours = db.prepare<[number, number, number], { reachable: number; down: number; impaired: number; inconclusive: number; errors: number }>(
    `SELECT TOTAL(reachable) AS reachable, TOTAL(down) AS down, TOTAL(impaired) AS impaired, TOTAL(inconclusive) AS inconclusive, TOTAL(errors) AS errors
     FROM channel_hours WHERE channel_ref = ? AND hour >= ? AND hour < ?`,
  );
  const outcomes = db.prepare<[number, number, number], { outcome: Outcome; n: number }>(
    `SELECT outcome, COUNT(*) AS n FROM probes WHERE channel_ref = ? AND started_at >= ? AND started_at < ? GROUP BY outcome`,
  );

  const rows = centers.map((c, i): ThesisRow => {
    const tz = tzOf(c.tz);
    const from = dayStart(tz, q.date);
    const to = dayStart(tz, nextDate(q.date));
    const contacts = channels
      .filter((ch) => ch.center_id === c.id)
      .map((ch): ThesisContact => {
        const h = hours.get(ch.ref, Math.floor(from / 3_600_000), Math.ceil(to / 3_600_000));
        let attempts: Partial<Record<Outcome, number>> = {};
        if (h && h.down + h.impaired > 0) {
          // Down and impaired are several outcomes each: their names are in the probes.
          for (const r of outcomes.all(ch.ref, from, to)) attempts[r.outcome] = r.n;
        } else if (h) {
          attempts = Object.fromEntries(
            ([['reachable', h.reachable], ['inconclusive', h.inconclusive], ['error', h.errors]] as const).filter(([, n]) => n > 0),
          );
        }
        const byClass = { reachable: 0, down: 0, impaired: 0, inconclusive: 0, errors: 0 };
        for (const [o, n] of Object.entries(attempts) as [Outcome, number][]) byClass[outcomeClass(o)] += n;
        const verdict: DayVerdict =
          byClass.reachable > 0 ? 'reachable'
          : byClass.down + byClass.impaired > 0 ? (byClass.down >= byClass.impaired ? 'down' : 'impaired')
          : byClass.inconclusive > 0 ? 'inconclusive'
          : byClass.errors > 0 ? 'errors'
          : ch.target === null ? 'not_probed'
          : 'no_data';
        const said = (Object.entries(attempts) as [Outcome, number][])
          .filter(([o]) => o !== 'error')
          .sort(([a, x], [b, y]) => (a === 'reachable' ? 0 : 1) - (b === 'reachable' ? 0 : 1) || y - x || (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0))
          .map(([o, n]) => `${w.outcome(o)} (${n})`);
        if (attempts.error) said.push(`${w.outcome('error')} (${attempts.error})`);
        const text =
          verdict === 'no_data' ? w.noData
          : verdict === 'not_probed' ? w.channelStatus.not_probed
          : verdict === 'errors' ? `${w.noData}: ${said.join(', ')}`
          : said.join(', ');
        return { id: ch.id, type: ch.type, value: ch.value, target: ch.target, verdict, attempts, words: `${w.channelType[ch.type] ?? ch.type} ${ch.value}: ${text}` };
      });
    const evidence = contacts.filter((x) => x.verdict === 'reachable' || x.verdict === 'down' || x.verdict === 'impaired');
    const summary: CenterStatus =
      evidence.length === 0 ? 'unknown'
      : evidence.every((x) => x.verdict === 'reachable') ? 'reachable'
      : evidence.every((x) => x.verdict === 'down') ? 'dark'
      : 'partial';
    const region = c.region === null ? null : regionName(c.region, w);
    return {
      no: i + 1,
      centerId: c.id,
      name: c.name,
      city: c.city,
      region: c.region,
      address: [c.city, region].filter((x): x is string => x !== null && x !== '').join(', ') || w.noRegion,
      contacts: contacts.map((x) => x.value),
      accessibility: [`${rw.accessibility}: ${w.centerStatus[summary]}`, ...contacts.map((x) => x.words)],
      summary,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      channels: contacts,
    };
  });

  return {
    report: 'thesis-table',
    generatedAt: new Date(opts.now ?? Date.now()).toISOString(),
    date: q.date,
    lang: q.lang,
    title: rw.thesisTitle(q.date),
    note: rw.thesisNote(q.date, settings.defaultTz),
    columns: { name: rw.name, addressRegion: rw.addressRegion, accessibility: rw.accessibility },
    rows,
  };
}
