// A public page's query, read leniently: a value that is not understood is dropped and named in a
// short note on the page, which is shown with its default instead. People type and share these
// URLs; a page must never answer them with JSON or a stack trace.

import { LANGUAGES, type Language } from '../i18n/languages.ts';
import { CENTER_STATUSES, type CenterStatus } from '../status/center.ts';

export interface BadParam {
  param: string;
  /** The value as given, cut short for the note. */
  value: string;
}

export interface BoardFiltersIn {
  lang?: Language;
  q?: string;
  region?: string;
  status?: CenterStatus;
  kind?: string;
  page: number;
}

const MAX_TEXT = 200;
const shown = (v: string): string => (v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** One value of a parameter: a repeated parameter is not understood (which one was meant?). */
function single(raw: Record<string, unknown>, param: string, bad: BadParam[]): string | undefined {
  const v = raw[param];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  const text = Array.isArray(v) ? v.map(String).join(', ') : String(v);
  bad.push({ param, value: shown(text) });
  return undefined;
}

export function parseLang(raw: Record<string, unknown>, bad: BadParam[]): Language | undefined {
  const v = single(raw, 'lang', bad);
  if (v === undefined || v === '') return undefined;
  if ((LANGUAGES as readonly string[]).includes(v)) return v as Language;
  bad.push({ param: 'lang', value: shown(v) });
  return undefined;
}

/** The board's filters: `kinds` and `regions` are the values the registry has. */
export function parseBoardQuery(raw: Record<string, unknown>, known: { kinds: ReadonlySet<string>; regions: ReadonlySet<string> }): { filters: BoardFiltersIn; bad: BadParam[] } {
  const bad: BadParam[] = [];
  const filters: BoardFiltersIn = { page: 1 };
  const lang = parseLang(raw, bad);
  if (lang) filters.lang = lang;
  const text = (param: string): string | undefined => {
    const v = single(raw, param, bad);
    if (v === undefined || v === '') return undefined;
    if (v.length > MAX_TEXT) {
      bad.push({ param, value: shown(v) });
      return undefined;
    }
    return v;
  };
  const q = text('q');
  if (q !== undefined) filters.q = q;
  const region = text('region');
  if (region !== undefined) {
    if (region === '-' || known.regions.has(region)) filters.region = region;
    else bad.push({ param: 'region', value: shown(region) });
  }
  const status = text('status');
  if (status !== undefined) {
    if ((CENTER_STATUSES as readonly string[]).includes(status)) filters.status = status as CenterStatus;
    else bad.push({ param: 'status', value: shown(status) });
  }
  const kind = text('kind');
  if (kind !== undefined) {
    if (known.kinds.has(kind)) filters.kind = kind;
    else bad.push({ param: 'kind', value: shown(kind) });
  }
  const page = single(raw, 'page', bad);
  if (page !== undefined && page !== '') {
    if (/^[1-9][0-9]{0,5}$/.test(page)) filters.page = Number(page);
    else bad.push({ param: 'page', value: shown(page) });
  }
  return { filters, bad };
}
