// Report parameters as the CLI and the API receive them (strings), checked once, so both refuse the
// same things with the same words; each surface names the parameter its own way (--from, "from").

import { LANGUAGES, type Language } from '../i18n/languages.ts';
import { checkPeriod, ReportInputError, type AvailabilityQuery, type ReportSettings } from './availability.ts';
import { isDate, isGranularity, parseReportTime } from './periods.ts';
import { isReportFormat, type ReportFormat } from './render.ts';
import { checkThesisUntil, type ThesisQuery } from './thesis-table.ts';
import { csvDialect, CsvOptionError, type CsvDialect } from '../util/csv.ts';

export interface RawFilter {
  center?: string[] | undefined;
  region?: string | undefined;
  kind?: string | undefined;
  format?: string | undefined;
  lang?: string | undefined;
  /** CSV only: the Excel-friendly variant, and the separator (src/util/csv.ts). */
  excel?: string | boolean | undefined;
  sep?: string | undefined;
}

export interface RawAvailabilityParams extends RawFilter {
  from?: string | undefined;
  to?: string | undefined;
  granularity?: string | undefined;
}

export interface RawThesisParams extends RawFilter {
  date?: string | undefined;
  until?: string | undefined;
}

const CENTER_ID = /^[a-z0-9][a-z0-9-]*$/;

function common(raw: RawFilter): { format: ReportFormat; lang: Language; csv: CsvDialect; filter: { centerIds?: string[]; region?: string; kind?: string } } {
  const csvAsked = (raw.excel !== undefined && raw.excel !== false) || raw.sep !== undefined;
  // The Excel variant is a kind of CSV: asking for it is enough.
  const format = raw.format ?? (csvAsked ? 'csv' : 'json');
  if (!isReportFormat(format)) throw new ReportInputError('format', () => `must be json, csv or html, not "${format}"`);
  const lang = raw.lang ?? 'en';
  if (!(LANGUAGES as readonly string[]).includes(lang)) throw new ReportInputError('lang', () => `must be ru, kk or en, not "${lang}"`);
  let csv: CsvDialect;
  try {
    csv = csvDialect({ excel: raw.excel, sep: raw.sep, lang });
  } catch (e) {
    if (e instanceof CsvOptionError) throw new ReportInputError(e.param, () => e.message);
    throw e;
  }
  if (csvAsked && format !== 'csv') {
    const param = raw.sep !== undefined ? 'sep' : 'excel';
    throw new ReportInputError(param, (name) => `goes with CSV, not ${format}: leave out ${name('format')} or give ${name('format')} csv`);
  }
  const ids = raw.center ?? [];
  const badId = ids.find((id) => !CENTER_ID.test(id));
  if (badId !== undefined) throw new ReportInputError('center', () => `must be a center id (lower-case letters, digits and hyphens), not "${badId}"`);
  for (const [k, v] of [['region', raw.region], ['kind', raw.kind]] as const) {
    if (v !== undefined && v.trim() === '') throw new ReportInputError(k, () => 'must not be empty');
  }
  return {
    format,
    lang: lang as Language,
    csv,
    filter: {
      ...(ids.length > 0 ? { centerIds: [...new Set(ids)] } : {}),
      ...(raw.region !== undefined ? { region: raw.region } : {}),
      ...(raw.kind !== undefined ? { kind: raw.kind } : {}),
    },
  };
}

const TIME_HELP = (tz: string) => `a date (YYYY-MM-DD: a whole local day in ${tz}), an ISO 8601 date-time with its offset (2026-01-01T00:00:00+05:00), or epoch milliseconds`;

/** Checks and converts the availability report's parameters; throws ReportInputError naming the first bad one. */
export function parseAvailabilityParams(raw: RawAvailabilityParams, settings: ReportSettings): { query: AvailabilityQuery; format: ReportFormat; csv: CsvDialect } {
  const tz = settings.defaultTz;
  const time = (param: 'from' | 'to', v: string | undefined) => {
    if (v === undefined || v === '') throw new ReportInputError(param, () => `is required: ${TIME_HELP(tz)}`);
    const t = parseReportTime(v, tz, param === 'to');
    if (t === null) throw new ReportInputError(param, () => `must be ${TIME_HELP(tz)}, not "${v}"`);
    return t.at;
  };
  const from = time('from', raw.from);
  const to = time('to', raw.to);
  checkPeriod(from, to);
  const granularity = raw.granularity ?? 'month';
  if (!isGranularity(granularity)) throw new ReportInputError('granularity', () => `must be day, week or month, not "${granularity}"`);
  const { format, lang, csv, filter } = common(raw);
  return { query: { from, to, granularity, lang, ...filter, requested: { from: raw.from as string, to: raw.to as string } }, format, csv };
}

export function parseThesisParams(raw: RawThesisParams): { query: ThesisQuery; format: ReportFormat; csv: CsvDialect } {
  const date = raw.date;
  if (date === undefined || date === '') throw new ReportInputError('date', () => 'is required: the day to describe, YYYY-MM-DD');
  // From 1970 to 9999: the next day must still be a date.
  if (!isDate(date) || date < '1970-01-01' || date > '9999-12-30') throw new ReportInputError('date', () => `must be a calendar date written YYYY-MM-DD, not "${date}"`);
  const until = raw.until;
  if (until === '') throw new ReportInputError('until', () => 'must be the last day to describe, YYYY-MM-DD, when given');
  if (until !== undefined) checkThesisUntil(date, until);
  const { format, lang, csv, filter } = common(raw);
  return { query: { date, ...(until !== undefined ? { until } : {}), lang, ...filter }, format, csv };
}
