// Reports as CSV (src/util/csv.ts: quoting, the formula guard and the Excel variant) and as one printable, self-contained HTML page:
// no script, one style block allowed by its hash, every value escaped.

import { createHash } from 'node:crypto';
import { BOARD_WORDS, regionName } from '../i18n/board.ts';
import type { Language } from '../i18n/languages.ts';
import { REPORT_WORDS } from '../i18n/reports.ts';
import type { AvailabilityReport, CenterPeriod, ChannelPeriod, Figures, Outage } from './report-types.ts';
import { localStamp } from './periods.ts';
import type { ThesisTable } from './thesis-table.ts';
import { PLAIN_CSV, writeCsv, type CsvDialect } from '../util/csv.ts';

export type ReportFormat = 'json' | 'csv' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'csv', 'html'];
export const isReportFormat = (f: string): f is ReportFormat => (REPORT_FORMATS as readonly string[]).includes(f);

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

const STYLE = `
:root { color: #111; background: #fff; font: 10.5pt/1.35 system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; }
body { margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .25rem; border-bottom: 2px solid #333; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
p.meta, p.note { margin: .2rem 0; color: #333; }
.rules ol { margin: .25rem 0 0 1.25rem; padding: 0; }
.rules li { margin: .15rem 0; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 .75rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #999; padding: .15rem .35rem; vertical-align: top; text-align: left; }
td.n { text-align: right; white-space: nowrap; }
thead th { background: #eee; }
tr.total td { font-weight: 600; background: #f6f6f6; }
td.lines div + div { margin-top: .2rem; }
.thesis td:first-child { width: 30%; }
.thesis td:nth-child(2) { width: 25%; }
/* On screens, wide tables wrap inside their cells instead of pushing the page sideways (a phone at
   390 px, or a window narrower than a report of many columns). */
@media screen {
  th, td { overflow-wrap: anywhere; }
  td.n { white-space: normal; }
}
@media screen and (max-width: 40rem) {
  :root { font-size: 9.5pt; }
  body { margin: .5rem auto; padding: 0 .5rem; }
  th, td { padding: .1rem .2rem; }
  .thesis td:first-child, .thesis td:nth-child(2) { width: auto; }
}
@media screen and (prefers-color-scheme: dark) {
  :root { color: #e8e8e8; background: #121212; color-scheme: dark; }
  h2 { border-bottom-color: #bbb; }
  p.meta, p.note { color: #c8c8c8; }
  th, td { border-color: #777; }
  thead th { background: #2a2a2a; }
  tr.total td { background: #1f1f1f; }
}
@page { size: A4 landscape; margin: 12mm; }
@media print {
  :root { font-size: 8.5pt; }
  body { margin: 0; max-width: none; padding: 0; }
  section.center { break-before: page; }
  tr, .rules li { break-inside: avoid; }
  thead { display: table-header-group; }
}
`;

/** For the page's Content-Security-Policy: the one inline style block, allowed by its hash alone. */
export const REPORT_STYLE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/**
 * A refused report asked for as a page: the same refusal the JSON answer gives (which parameter, and
 * why), as a page, since a person who opened a link should not meet raw JSON.
 */
export function renderReportRefusal(status: number, message: string): string {
  return page('en', 'reachwatch: report not made', `<h1>The report could not be made</h1>\n<p class="note" data-status="${status}">${escapeHtml(message)}</p>`);
}

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const page = (lang: Language, title: string, body: string): string =>
  `<!doctype html>\n<html lang="${escapeHtml(lang)}">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
  `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;

const round = (x: number | null): number | string => (x === null ? '' : Math.round(x * 1e6) / 1e6);

// ---------------------------------------------------------------------------------------------
// Availability report

const CSV_COLUMNS = [
  'level', 'center_id', 'center_name', 'region', 'kind', 'center_time_zone', 'channel_id', 'channel_type', 'channel_value',
  'period', 'period_from', 'period_to', 'hours', 'probes', 'reachable', 'down', 'impaired', 'inconclusive', 'errors',
  'availability', 'calling_hours', 'calling_probes', 'calling_reachable', 'calling_down', 'calling_impaired', 'calling_availability',
  'maintenance_hours', 'maintenance_probes', 'incidents', 'incident_ids', 'maintenance_window_ids',
  'longest_outage_kind', 'longest_outage_from', 'longest_outage_to', 'longest_outage_minutes', 'first_reachable_at', 'last_reachable_at',
] as const;

function figureCells(f: Figures): (string | number)[] {
  return [
    f.hours, f.probes, f.outcomes.reachable, f.outcomes.down, f.outcomes.impaired, f.outcomes.inconclusive, f.outcomes.errors,
    round(f.availability), f.callingHours.hours, f.callingHours.probes, f.callingHours.outcomes.reachable, f.callingHours.outcomes.down,
    f.callingHours.outcomes.impaired, round(f.callingHours.availability), f.maintenance.hours, f.maintenance.probes,
  ];
}

const outageCells = (o: Outage | null): (string | number)[] => (o ? [o.kind, o.from, o.to, Math.round(o.durationMs / 60_000)] : ['', '', '', '']);

/** One row per center and period (then its channels' rows), each period's buckets followed by the whole period. */
export function availabilityCsv(r: AvailabilityReport, dialect: CsvDialect = PLAIN_CSV): string {
  const rows: (string | number)[][] = [];
  for (const c of r.centers) {
    const centerCells = [c.id, c.name, c.region ?? '', c.kind, c.timeZone];
    const periods: [CenterPeriod, ChannelPeriod[]][] = [...c.buckets.map((b, i): [CenterPeriod, ChannelPeriod[]] => [b, c.channels.map((ch) => ch.buckets[i] as ChannelPeriod)]), [c.total, c.channels.map((ch) => ch.total)]];
    for (const [p, chs] of periods) {
      rows.push(['center', ...centerCells, '', '', '', p.key, p.from, p.to, ...figureCells(p), p.incidents.count, p.incidents.ids.join(' '), p.maintenanceWindows.join(' '), ...outageCells(p.longestOutage), p.firstReachableAt ?? '', p.lastReachableAt ?? '']);
      chs.forEach((f, i) => {
        const ch = c.channels[i];
        if (!ch) return;
        rows.push(['channel', ...centerCells, ch.id, ch.type, ch.value, f.key, f.from, f.to, ...figureCells(f), '', '', '', ...outageCells(f.longestOutage), f.firstReachableAt ?? '', f.lastReachableAt ?? '']);
      });
    }
  }
  return writeCsv(CSV_COLUMNS, rows, dialect);
}

export function availabilityHtml(r: AvailabilityReport): string {
  const lang = r.rules.lang;
  const w = REPORT_WORDS[lang];
  const bw = BOARD_WORDS[lang];
  const tz = r.period.timeZone;
  const at = (s: string | null) => (s === null ? '' : localStamp(Date.parse(s), tz));
  const pct = (x: number | null) => (x === null ? w.noData : `${(x * 100).toFixed(1)} %`);
  const outage = (o: Outage | null) =>
    o ? `${w.outageKind[o.kind]}: ${o.duration} (${o.clippedStart ? '… ' : ''}${at(o.from)} – ${at(o.to)}${o.clippedEnd ? ' …' : ''})` : w.none;
  const td = (v: unknown, n = false) => `<td${n ? ' class="n"' : ''}>${escapeHtml(v)}</td>`;
  const label = (p: { key: string; from: string; to: string }) => (p.key === 'total' ? w.total : p.key);
  const head = (center: boolean) =>
    `<thead><tr><th>${escapeHtml(w.bucket)}</th><th>${escapeHtml(w.hours)}</th><th>${escapeHtml(w.probes)}</th>` +
    (['reachable', 'down', 'impaired', 'inconclusive', 'errors'] as const).map((k) => `<th>${escapeHtml(w.classes[k])}</th>`).join('') +
    `<th>${escapeHtml(w.availability)}</th><th>${escapeHtml(w.callingHours)}</th><th>${escapeHtml(w.maintenance)}</th>` +
    (center ? `<th>${escapeHtml(w.incidents)}</th>` : '') +
    `<th>${escapeHtml(w.longestOutage)}</th><th>${escapeHtml(w.firstReachable)}</th><th>${escapeHtml(w.lastReachable)}</th></tr></thead>`;
  const row = (p: ChannelPeriod | CenterPeriod, center: boolean) =>
    `<tr${p.key === 'total' ? ' class="total"' : ''}>${td(label(p))}${td(p.hours, true)}${td(p.probes, true)}` +
    `${td(p.outcomes.reachable, true)}${td(p.outcomes.down, true)}${td(p.outcomes.impaired, true)}${td(p.outcomes.inconclusive, true)}${td(p.outcomes.errors, true)}` +
    `${td(pct(p.availability), true)}${td(pct(p.callingHours.availability), true)}` +
    `${td(p.maintenance.hours ? `${w.hoursShort(p.maintenance.hours)}; ${w.probes}: ${p.maintenance.probes}` : '', true)}` +
    (center && 'incidents' in p ? td(p.incidents.count ? `${p.incidents.count}: #${p.incidents.ids.join(', #')}` : '0') : '') +
    `${td(outage(p.longestOutage))}${td(at(p.firstReachableAt))}${td(at(p.lastReachableAt))}</tr>`;

  const parts: string[] = [];
  parts.push(`<header><h1>${escapeHtml(w.title)}</h1>`);
  parts.push(`<p class="meta">${escapeHtml(w.period)}: ${escapeHtml(at(r.period.from))} – ${escapeHtml(at(r.period.to))} (${escapeHtml(w.hoursShort(r.period.hours))}, ${escapeHtml(w.granularity[r.period.granularity])}); ${escapeHtml(w.timeZone)}: ${escapeHtml(tz)}</p>`);
  const filter = [r.filter.centers ? `${w.center}: ${r.filter.centers.join(', ')}` : '', r.filter.region ? `${bw.region}: ${regionName(r.filter.region, bw)}` : '', r.filter.kind ? `${bw.kind}: ${bw.kinds[r.filter.kind] ?? r.filter.kind}` : ''].filter(Boolean);
  if (filter.length) parts.push(`<p class="meta">${escapeHtml(filter.join('; '))}</p>`);
  parts.push(`<p class="meta">${escapeHtml(w.generated)}: ${escapeHtml(at(r.generatedAt))}</p></header>`);
  parts.push(`<section class="rules"><h2>${escapeHtml(w.rules)}</h2><ol>${r.rules.statements.map((s) => `<li data-topic="${escapeHtml(s.topic)}">${escapeHtml(s.text)}</li>`).join('')}</ol></section>`);
  if (r.centers.length === 0) parts.push(`<p>${escapeHtml(w.noCenters)}</p>`);
  for (const c of r.centers) {
    parts.push(`<section class="center" id="${escapeHtml(`center-${c.id}`)}"><h2>${escapeHtml(c.name)}</h2>`);
    const where = [c.city, regionName(c.region, bw), bw.kinds[c.kind] ?? c.kind, c.timeZone, c.archived ? 'archived' : ''].filter((x) => x);
    parts.push(`<p class="meta">${escapeHtml(c.id)} · ${escapeHtml(where.join(' · '))}</p>`);
    parts.push(`<table>${head(true)}<tbody>${[...c.buckets, c.total].map((p) => row(p, true)).join('')}</tbody></table>`);
    for (const ch of c.channels) {
      parts.push(`<h3>${escapeHtml(bw.channelType[ch.type] ?? ch.type)} ${escapeHtml(ch.value)} <small>(${escapeHtml(ch.id)}${ch.probeable ? '' : `, ${bw.channelStatus.not_probed}`})</small></h3>`);
      parts.push(`<table>${head(false)}<tbody>${[...ch.buckets, ch.total].map((p) => row(p, false)).join('')}</tbody></table>`);
      if (ch.vantage) {
        // What each vantage point saw: a site that answers inside the country and not from abroad shows it here.
        const seen = ch.vantage.map((v) => {
          const name = v.point === 'central' ? bw.vantage.central : v.point;
          const share = v.availability === null ? '—' : `${(Math.round(v.availability * 1000) / 10).toLocaleString(bw.locale)} %`;
          return `<li data-point="${escapeHtml(v.point)}">${escapeHtml(name)}: ${escapeHtml(share)} (${escapeHtml(`${v.outcomes.reachable} / ${v.probes}`)})</li>`;
        });
        parts.push(`<p class="vantage">${escapeHtml(bw.vantage.heading)}:</p><ul class="vantage">${seen.join('')}</ul>`);
      }
    }
    if (c.incidents.length) {
      parts.push(`<h3>${escapeHtml(w.incidents)}</h3><table><thead><tr><th>#</th><th>${escapeHtml(w.opened)}</th><th>${escapeHtml(w.closed)}</th><th>${escapeHtml(w.worst)}</th><th>${escapeHtml(w.maintenance)}</th></tr></thead><tbody>`);
      for (const i of c.incidents) {
        const worst = bw.centerStatus[i.worstStatus as keyof typeof bw.centerStatus] ?? i.worstStatus;
        parts.push(`<tr>${td(i.id)}${td(at(i.openedAt))}${td(i.closedAt ? at(i.closedAt) : w.ongoing)}${td(worst)}${td(i.maintenanceId === null ? '' : `#${i.maintenanceId}`)}</tr>`);
      }
      parts.push('</tbody></table>');
    }
    if (c.maintenanceWindows.length) {
      parts.push(`<h3>${escapeHtml(w.maintenanceWindows)}</h3><table><thead><tr><th>#</th><th>${escapeHtml(w.opened)}</th><th>${escapeHtml(w.closed)}</th><th>${escapeHtml(w.reason)}</th></tr></thead><tbody>`);
      for (const m of c.maintenanceWindows) parts.push(`<tr>${td(m.id)}${td(at(m.from))}${td(at(m.to))}${td(m.reason)}</tr>`);
      parts.push('</tbody></table>');
    }
    parts.push('</section>');
  }
  return page(lang, `${w.title} ${r.period.from.slice(0, 10)} – ${r.period.to.slice(0, 10)}`, parts.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// The thesis-shaped table

export function thesisCsv(t: ThesisTable, dialect: CsvDialect = PLAIN_CSV): string {
  return writeCsv(
    ['no', 'center_id', 'name', 'address_region', 'contacts', 'accessibility', 'summary', 'day_from', 'day_to'],
    t.rows.map((r) => [r.no, r.centerId, r.name, r.address, r.contacts.join('\n'), r.accessibility.join('\n'), r.summary, r.from, r.to]),
    dialect,
  );
}

export function thesisHtml(t: ThesisTable): string {
  const lines = (xs: string[]) => xs.map((x) => `<div>${escapeHtml(x)}</div>`).join('');
  const body = [
    `<header><h1>${escapeHtml(t.title)}</h1><p class="note">${escapeHtml(t.note)}</p></header>`,
    `<table class="thesis"><thead><tr><th>${escapeHtml(t.columns.name)}</th><th>${escapeHtml(t.columns.addressRegion)}</th><th>${escapeHtml(t.columns.accessibility)}</th></tr></thead><tbody>`,
    ...t.rows.map((r) => `<tr><td>${escapeHtml(`${r.no}. ${r.name}`)}</td><td class="lines">${lines([r.address, ...r.contacts])}</td><td class="lines">${lines(r.accessibility)}</td></tr>`),
    '</tbody></table>',
  ];
  return page(t.lang, t.title, body.join('\n'));
}

/** The report in a format: a string ready to write or send (`compact` JSON for the wire, indented for files). */
export function renderAvailability(r: AvailabilityReport, format: ReportFormat, opts: { compact?: boolean; csv?: CsvDialect } = {}): string {
  if (format === 'csv') return availabilityCsv(r, opts.csv);
  if (format === 'html') return availabilityHtml(r);
  return `${JSON.stringify(r, null, opts.compact ? undefined : 2)}\n`;
}

export function renderThesis(t: ThesisTable, format: ReportFormat, opts: { compact?: boolean; csv?: CsvDialect } = {}): string {
  if (format === 'csv') return thesisCsv(t, opts.csv);
  if (format === 'html') return thesisHtml(t);
  return `${JSON.stringify(t, null, opts.compact ? undefined : 2)}\n`;
}

/** For log lines and file names. */
export const periodSlug = (r: AvailabilityReport): string => `${r.period.from.slice(0, 10)}_${r.period.to.slice(0, 10)}`;
