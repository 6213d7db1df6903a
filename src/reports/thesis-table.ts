// The 2018 thesis's Appendix 1 ("Accessibility of the Rehabilitation Centers in Kazakhstan") for any
// day or short run of days (the 2018 call round took two): each center's name, its address and region
// with the contacts beneath, and what calling and loading them on those days found, in the board's
// words. The words per contact come from those days' probes; the rollups say which contacts need their
// probes read at all (only down and impaired attempts have more than one outcome behind their class).

import { BOARD_WORDS, regionName } from '../i18n/board.ts';
import type { Language } from '../i18n/languages.ts';
import { REPORT_WORDS } from '../i18n/reports.ts';
import { OUTCOMES, type Outcome } from '../domain.ts';
import { outcomeClass } from '../status/availability.ts';
import type { CenterStatus } from '../status/center.ts';
import type { DB } from '../store/db.ts';
import { reportStore } from '../store/reports.ts';
import { dayStart } from '../util/local-day.ts';
import { ReportInputError, selectCenters, type CenterFilter, type ReportSettings } from './availability.ts';
import { isDate, nextDate } from './periods.ts';

export interface ThesisQuery extends CenterFilter {
  /** YYYY-MM-DD: each center's own local day; the first day when `until` is given. */
  date: string;
  /** YYYY-MM-DD, the last day, included: `date` to at most MAX_THESIS_DAYS after it. Absent: `date` alone. */
  until?: string;
  lang: Language;
}

/** The longest a table may reach past its first day: a call round, not a report period (those are for availability reports). */
export const MAX_THESIS_DAYS = 31;

const DAY_MS = 86_400_000;

/**
 * Refuses a last day that is not a date, comes before `date` or lies more than MAX_THESIS_DAYS after
 * it, naming "until"; `date` is taken as already checked.
 */
export function checkThesisUntil(date: string, until: string): void {
  // To 9999-12-30 at most: the day after it must still be a date.
  if (!isDate(until) || until < '1970-01-01' || until > '9999-12-30') throw new ReportInputError('until', () => `must be a calendar date written YYYY-MM-DD, not "${until}"`);
  if (until < date) throw new ReportInputError('until', (n) => `must not be before ${n('date')}: "${until}" is before "${date}"`);
  const days = Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / DAY_MS);
  if (days > MAX_THESIS_DAYS) {
    throw new ReportInputError('until', (n) => `must be at most ${MAX_THESIS_DAYS} days after ${n('date')}: "${until}" is ${days} days after "${date}"`);
  }
}

/** What a contact's probes said on the table's days, as a class: the first that applies. */
export type DayVerdict = 'reachable' | 'down' | 'impaired' | 'inconclusive' | 'errors' | 'no_data' | 'not_probed';

export interface ThesisContact {
  id: string;
  type: string;
  value: string;
  target: string | null;
  verdict: DayVerdict;
  /** Attempts of the days by outcome (a manual record of several calls counts each). */
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
  /** The days' summary in the board's words, then one line per contact. */
  accessibility: string[];
  summary: CenterStatus;
  /** This center's local bounds: the start of `date` to the end of `until`. */
  from: string;
  to: string;
  channels: ThesisContact[];
}

export interface ThesisTable {
  report: 'thesis-table';
  generatedAt: string;
  date: string;
  /** The last day, included; equal to `date` for a one-day table. */
  until: string;
  lang: Language;
  title: string;
  note: string;
  columns: { name: string; addressRegion: string; accessibility: string };
  rows: ThesisRow[];
}

const ORDER = new Map(OUTCOMES.map((o, i) => [o, i]));

export function buildThesisTable(db: DB, q: ThesisQuery, settings: ReportSettings, opts: { now?: number } = {}): ThesisTable {
  const until = q.until ?? q.date;
  // The parsers check this already; a direct caller gets the same refusal rather than a silent empty table.
  if (until !== q.date) checkThesisUntil(q.date, until);
  const w = BOARD_WORDS[q.lang];
  const rw = REPORT_WORDS[q.lang];
  const tzOf = (tz: string | null) => tz ?? settings.defaultTz;
  // The earliest any zone's local day can begin: who had been archived before it is left out.
  const earliest = dayStart('Etc/GMT-14', q.date);
  const store = reportStore(db);
  const centers = selectCenters(store.centers(), q, earliest).sort((a, b) => a.pos - b.pos);
  const channels = store.channels(centers.map((c) => c.id), earliest);

  const rows = centers.map((c, i): ThesisRow => {
    const tz = tzOf(c.tz);
    const from = dayStart(tz, q.date);
    const to = dayStart(tz, nextDate(until));
    const contacts = channels
      .filter((ch) => ch.centerId === c.id)
      .map((ch): ThesisContact => {
        const h = store.hourTotals(ch.ref, Math.floor(from / 3_600_000), Math.ceil(to / 3_600_000));
        let attempts: Partial<Record<Outcome, number>> = {};
        if (h && h.down + h.impaired > 0) {
          // Down and impaired are several outcomes each: their names are in the probes.
          for (const r of store.attemptsByOutcome(ch.ref, from, to)) attempts[r.outcome] = r.n;
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
    until,
    lang: q.lang,
    title: rw.thesisTitle(q.date, until),
    note: rw.thesisNote(q.date, until, settings.defaultTz),
    columns: { name: rw.name, addressRegion: rw.addressRegion, accessibility: rw.accessibility },
    rows,
  };
}
