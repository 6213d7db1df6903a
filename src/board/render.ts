// Server-rendered HTML for the board. No framework: plain functions returning strings, every value
// escaped where it is interpolated. The page works without JavaScript; status is always spelled out
// in words and a symbol, never colour alone; the 90-day bar encodes availability in bar height too.

import type { Outcome } from '../domain.ts';
import type { CenterStatus } from '../status/center.ts';
import type { CenterView, IncidentView } from '../store/queries.ts';
import type { BarDay, ProbeLine, RegionSummary, WindowFigures } from './data.ts';
import { availability } from '../status/availability.ts';
import { BOARD_WORDS, regionName, type BoardWords } from '../i18n/board.ts';
import { LANGUAGES, type Language } from '../i18n/languages.ts';
import { SESSION_WORDS } from '../i18n/session.ts';
import { centerDisplay, centerStatusTone, channelDisplay, dayTone, incidentEnd, TONE_SYMBOL, type CenterLabel } from './display.ts';
import type { Banner, Headline } from './headline.ts';
import type { BadParam } from './query.ts';

export const esc = (s: unknown): string =>
  String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const CHANNEL_SYMBOL = (status: string): string => channelDisplay(status, null).symbol;

export interface PageContext {
  w: BoardWords;
  /** Path and query of this page without `lang`, for the language switcher. */
  path: string;
  query: Record<string, string>;
  /** Who is signed in (src/auth/sessions.ts), or absent: the public page. */
  viewer?: Viewer;
  /** Our own failure and maintenance, above every page (headline.ts). */
  banners: Banner[];
  /** The newest verification behind the page ("data as of"), or null when nothing was verified. */
  dataAsOf: number | null;
  /** Query values that were not understood: named in a note, the page shown with its defaults. */
  notes: BadParam[];
}

/** A signed-in operator, auditor or admin, as the pages show them. */
export interface Viewer {
  name: string;
  role: 'operator' | 'auditor' | 'admin';
  /** The session's CSRF token, for the sign-out form. */
  csrf: string;
}

// Intl formatters are costly to build (tens of microseconds each) and a page has thousands of dates:
// one per locale and zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, tz: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${tz}|${withTime}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      locale,
      withTime ? { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz } : { day: 'numeric', month: 'short', year: 'numeric', timeZone: tz },
    );
    formatters.set(key, f);
  }
  return f;
}

export function fmtTime(w: BoardWords, tz: string, iso: string | number | null): string {
  if (iso === null) return w.never;
  return formatter(w.locale, tz, true).format(typeof iso === 'number' ? iso : Date.parse(iso));
}

function fmtDay(w: BoardWords, day: string): string {
  return formatter(w.locale, 'UTC', false).format(Date.parse(`${day}T00:00:00Z`));
}

const pct = (x: number | null): number | null => (x === null ? null : Math.floor(x * 1000) / 10);

function href(path: string, query: Record<string, string | undefined>): string {
  const q = Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  return q.length ? `${path}?${q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : path;
}

export function layout(ctx: PageContext, title: string, body: string): string {
  const { w } = ctx;
  const switcher = LANGUAGES.map((l: Language) => {
    const name = BOARD_WORDS[l].languageName;
    return l === w.lang
      ? `<li><span aria-current="true" lang="${l}">${esc(name)}</span></li>`
      : `<li><a href="${esc(href(ctx.path, { ...ctx.query, lang: l }))}" hreflang="${l}" lang="${l}">${esc(name)}</a></li>`;
  }).join('');
  return `<!doctype html>
<html lang="${w.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/assets/board.css">
<script src="/assets/board.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${esc(w.skipToContent)}</a>
<header class="top">
<a class="brand" href="/">reachwatch</a>
<nav aria-label="Language"><ul class="langs">${switcher}</ul></nav>${ctx.viewer ? signedIn(w, ctx.viewer) : ''}
</header>
<main id="main" tabindex="-1">
${banners(ctx)}
${body}
</main>
<footer><p><a href="/directory.json">${esc(w.directory)} (JSON)</a> · <a href="/directory.csv">CSV</a> · <a href="/docs">${esc(w.api)}</a>${ctx.viewer || ctx.path === '/signin' ? '' : ` · <a href="${esc(href('/signin', { next: ctx.path }))}" rel="nofollow">${esc(SESSION_WORDS[w.lang].signIn)}</a>`}</p><p class="fine">${esc(w.howCounted)}</p></footer>
</body>
</html>`;
}

/** "Signed in as <name> (role) · sign out": signing out is a POST with the session's CSRF token. */
function signedIn(w: BoardWords, v: Viewer): string {
  const s = SESSION_WORDS[w.lang];
  return `<form class="session" method="post" action="/signout"><span>${esc(s.signedInAs(v.name, s.roles[v.role]))}</span> · <input type="hidden" name="csrf" value="${esc(v.csrf)}"><button type="submit">${esc(s.signOut)}</button></form>`;
}

/** Banners above every page: our own failure first, then maintenance; then the notes on a bad query. */
function banners(ctx: PageContext): string {
  const { w } = ctx;
  const when = (t: number) => `${formatter(w.locale, 'UTC', true).format(t)} UTC`;
  const scope = (b: Exclude<Banner, { kind: 'degraded' }>) => (b.centerName ? b.centerName : b.region ? regionName(b.region, w) : w.wholeDirectory);
  const out = ctx.banners.map((b) => {
    if (b.kind === 'degraded') return `<p class="banner b-degraded" role="alert">${esc(w.degraded(when(b.since)))}</p>`;
    if (b.kind === 'maintenance_now') return `<p class="banner b-maintenance">${esc(w.maintenanceNow(scope(b), when(b.endsAt), b.reason))}</p>`;
    return `<p class="banner b-upcoming">${esc(w.maintenanceUpcoming(scope(b), when(b.startsAt), when(b.endsAt), b.reason))}</p>`;
  });
  for (const n of ctx.notes) out.push(`<p class="banner b-note" role="status" data-param="${esc(n.param)}">${esc(w.badQuery(n.param, n.value))}</p>`);
  return out.length ? `<div class="banners">${out.join('\n')}</div>` : '';
}

function centerLabel(w: BoardWords, label: CenterLabel): string {
  return label === 'not_checked' ? w.notCheckedYet : label === 'going_dark' ? w.goingDark : w.centerStatus[label];
}

function statusBadge(w: BoardWords, c: Pick<CenterView, 'status' | 'channels'>): string {
  const d = centerDisplay(c.status as CenterStatus, c.channels);
  return `<span class="badge s-${esc(c.status)} t-${d.tone}" data-tone="${d.tone}" data-label="${d.label}"><span aria-hidden="true">${d.symbol}</span> ${esc(centerLabel(w, d.label))}</span>`;
}

/** A badge for a status alone (an incident's worst status), in the same tones. */
function statusOnlyBadge(w: BoardWords, status: CenterStatus): string {
  const tone = centerStatusTone(status);
  return `<span class="badge t-${tone}" data-tone="${tone}"><span aria-hidden="true">${TONE_SYMBOL[tone]}</span> ${esc(w.centerStatus[status])}</span>`;
}

function level(d: BarDay): string {
  const a = availability(d);
  if (a === null) return 'ln';
  if (a >= 0.99) return 'l4';
  if (a >= 0.9) return 'l3';
  if (a >= 0.5) return 'l2';
  if (a > 0) return 'l1';
  return 'l0';
}

export function renderBar(w: BoardWords, bar: BarDay[]): string {
  const withData = bar.filter((d) => availability(d) !== null);
  const total = withData.reduce((a, d) => ({ reachable: a.reachable + d.reachable, down: a.down + d.down, impaired: a.impaired + d.impaired }), { reachable: 0, down: 0, impaired: 0 });
  const summary = w.barSummary(withData.length, pct(availability(total)));
  const cells = bar
    .map((d) => {
      const a = availability(d);
      const label = a === null ? w.dayNoData(fmtDay(w, d.day)) : w.dayFigure(fmtDay(w, d.day), pct(a) ?? 0, d.reachable, d.reachable + d.down + d.impaired);
      return `<li class="${level(d)} t-${dayTone(d)}" title="${esc(label)}" data-day="${d.day}"></li>`;
    })
    .join('');
  // The cells are for the eye (each with its tooltip); a screen reader gets the caption's summary
  // instead of 90 list items (an <ol role="img"> left its <li>s without a list, which axe rejects).
  const latest = [...bar].reverse().find((d) => availability(d) !== null);
  const tone = latest ? dayTone(latest) : 'none';
  return `<figure class="bar" data-latest-tone="${tone}"><ol aria-hidden="true">${cells}</ol><figcaption>${esc(summary)}</figcaption></figure>`;
}

function channelLine(w: BoardWords, tz: string, ch: CenterView['channels'][number]): string {
  const status = ch.status as keyof BoardWords['channelStatus'];
  const d = channelDisplay(ch.status, ch.lastOutcome);
  // The latest attempt is named apart, and only when it is a different verdict about the center:
  // "✓ answers · could not be checked" on one line reads as a contradiction.
  const last = d.latest === 'differs' && ch.lastOutcome ? w.latestAttempt(w.outcome(ch.lastOutcome as Outcome)) : null;
  // "Not checked yet" is already the status of a channel never verified; say it once.
  const verified = ch.lastVerifiedAt ? w.lastVerified(fmtTime(w, tz, ch.lastVerifiedAt)) : ch.status === 'unknown' || ch.status === 'not_probed' ? '' : w.never;
  const value = ch.type === 'website' && ch.target ? `<a href="${esc(ch.target)}" rel="nofollow noopener">${esc(ch.value)}</a>` : ch.type === 'phone' && ch.target ? `<a href="tel:${esc(ch.target)}">${esc(ch.value)}</a>` : esc(ch.value);
  return `<li class="ch"><span class="ch-type">${esc(w.channelType[ch.type] ?? ch.type)}</span> <span class="ch-value">${value}</span>
<span class="ch-status t-${d.tone}" data-tone="${d.tone}"><span aria-hidden="true">${d.symbol}</span> ${esc(w.channelStatus[status] ?? ch.status)}</span>
${verified ? `<span class="ch-when">${esc(verified)}</span>` : ''}${last ? `<span class="ch-latest">${esc(last)}</span>` : ''}${vantageFlags(w, ch)}</li>`;
}

/** What the combination across vantage points adds to a channel's status, in words. */
function vantageFlags(w: BoardWords, ch: CenterView['channels'][number]): string {
  const flags = ch.vantage?.flags ?? [];
  const says: Record<string, string> = { geo_restricted: w.vantage.geoRestricted, points_disagree: w.vantage.pointsDisagree, stale_hold: w.vantage.staleHold };
  return flags
    .filter((f) => says[f])
    .map((f) => `<span class="ch-vantage vf-${esc(f)}">${esc(says[f])}</span>`)
    .join('');
}

/** A channel seen from several points: each point's own status, its latest probe and agent, or why it says nothing. */
function vantagePoints(w: BoardWords, tz: string, ch: CenterView['channels'][number]): string {
  const v = ch.vantage;
  if (!v) return '';
  const items = v.points.map((p) => {
    const where = p.domestic === null ? '' : ` (${p.domestic ? w.vantage.domestic : w.vantage.abroad})`;
    const name = `<span class="vp-name">${esc(p.point === 'central' ? w.vantage.central : p.point)}${esc(where)}</span>`;
    if (p.noData) {
      const why = p.noData === 'agents_stale' ? w.vantage.agentsStale : p.noData === 'no_agents' ? w.vantage.noAgents : w.vantage.noResults;
      return `<li class="vp vp-nodata" data-point="${esc(p.point)}">${name} <span class="vp-status">${esc(w.vantage.noDataFrom(p.point === 'central' ? w.vantage.central : p.point))}: ${esc(why)}</span></li>`;
    }
    const status = p.status as keyof BoardWords['channelStatus'];
    const when = [p.lastProbeAt ? fmtTime(w, tz, p.lastProbeAt) : '', p.agent ? w.vantage.agent(p.agent.name ?? p.agent.id) : ''].filter(Boolean).join(' · ');
    return `<li class="vp" data-point="${esc(p.point)}">${name} <span class="ch-status c-${esc(p.status)} t-${channelDisplay(p.status, null).tone}" data-tone="${channelDisplay(p.status, null).tone}"><span aria-hidden="true">${CHANNEL_SYMBOL(p.status)}</span> ${esc(w.channelStatus[status] ?? p.status)}</span>${when ? ` <span class="ch-when">${esc(when)}</span>` : ''}${p.lastDetail ? ` <span class="ch-detail">${esc(p.lastDetail)}</span>` : ''}</li>`;
  });
  return `<div class="vantage"><span class="vp-heading">${esc(w.vantage.heading)}</span><ul class="vantage-points">${items.join('')}</ul></div>`;
}

export interface BoardFilters {
  region?: string;
  status?: string;
  kind?: string;
  q?: string;
  page: number;
}

export interface BoardModel {
  /** What the headline says (headline.ts): the figures, or that nothing was checked yet. */
  headline: Headline;
  summary: { total: number; reachable: number; regions: RegionSummary[] };
  regions: (string | null)[];
  kinds: string[];
  /** The page of centers, with their bars, grouped by region in order. */
  centers: { center: CenterView; bar: BarDay[]; tz: string }[];
  matching: number;
  pages: number;
  filters: BoardFilters;
}

export function renderBoard(ctx: PageContext, m: BoardModel): string {
  const { w } = ctx;
  const f = m.filters;
  const byRegion = [...m.summary.regions].sort((a, b) => regionName(a.region, w).localeCompare(regionName(b.region, w), w.locale));
  const summary = `<section class="summary" aria-labelledby="summary-h">
<h1 id="summary-h">${esc(w.title)}</h1>
<p class="tagline">${esc(w.tagline)}</p>
${headlineHtml(ctx, m.headline)}
<details><summary>${esc(w.summaryByRegion)}</summary><table class="regions"><tbody>
${byRegion.map((r) => `<tr><th scope="row">${esc(regionName(r.region, w))}</th><td>${r.reachable} / ${r.total}</td></tr>`).join('\n')}
</tbody></table></details>
</section>`;

  const option = (value: string, label: string, selected: string | undefined) => `<option value="${esc(value)}"${selected === value ? ' selected' : ''}>${esc(label)}</option>`;
  const statuses: CenterStatus[] = ['reachable', 'partial', 'dark', 'unknown', 'opted_out'];
  const form = `<form class="filters" method="get" action="/" role="search">
<label>${esc(w.search)} <input type="search" name="q" value="${esc(f.q ?? '')}" autocomplete="off"></label>
<label>${esc(w.region)} <select name="region">${option('', w.allRegions, f.region ?? '')}${m.regions.map((r) => option(r ?? '-', regionName(r, w), f.region)).join('')}</select></label>
<label>${esc(w.status)} <select name="status">${option('', w.allStatuses, f.status ?? '')}${statuses.map((s) => option(s, w.centerStatus[s], f.status)).join('')}</select></label>
<label>${esc(w.kind)} <select name="kind">${option('', w.allKinds, f.kind ?? '')}${m.kinds.map((k) => option(k, w.kinds[k] ?? k, f.kind)).join('')}</select></label>
<button type="submit">${esc(w.apply)}</button> <a href="/">${esc(w.reset)}</a>
</form>`;

  const legend = `<p class="legend"><span>${esc(w.legend)}:</span> <span class="key"><i class="l4"></i>${esc(w.legendUp)}</span> <span class="key"><i class="l2"></i>${esc(w.legendPartial)}</span> <span class="key"><i class="l0"></i>${esc(w.legendDown)}</span> <span class="key"><i class="ln"></i>${esc(w.legendNone)}</span></p>`;

  let groups = '';
  let current: string | null | undefined;
  for (const { center: c, bar, tz } of m.centers) {
    if (c.region !== current) {
      if (current !== undefined) groups += '</ul></section>';
      current = c.region;
      groups += `<section class="region"><h2>${esc(regionName(c.region, w))}</h2><ul class="centers">`;
    }
    const city = c.city ? ` · ${esc(c.city)}` : '';
    groups += `<li class="center" id="c-${esc(c.id)}" data-name="${esc(c.name.toLowerCase())}">
<h3><a href="/centers/${encodeURIComponent(c.id)}">${esc(c.name)}</a></h3>
<p class="meta">${statusBadge(w, c)} <span class="kind">${esc(w.kinds[c.kind] ?? c.kind)}${city}</span>${c.statusSince && c.status !== 'unknown' ? ` <span class="since">${esc(w.since(fmtTime(w, tz, c.statusSince)))}</span>` : ''}</p>
<ul class="channels">${c.channels.filter((ch) => !ch.archived).map((ch) => channelLine(w, tz, ch)).join('')}</ul>
${renderBar(w, bar)}
</li>`;
  }
  if (current !== undefined) groups += '</ul></section>';

  const nav =
    m.pages > 1
      ? `<nav class="pages" aria-label="${esc(w.page(f.page, m.pages))}"><span>${esc(w.page(f.page, m.pages))}</span>
${f.page > 1 ? `<a rel="prev" href="${esc(href('/', { ...ctx.query, page: String(f.page - 1) }))}">${esc(w.previous)}</a>` : ''}
${f.page < m.pages ? `<a rel="next" href="${esc(href('/', { ...ctx.query, page: String(f.page + 1) }))}">${esc(w.next)}</a>` : ''}</nav>`
      : '';
  const shown = `<p class="shown" role="status">${esc(w.shown(m.centers.length, m.matching))}</p>`;
  return layout(ctx, w.title, `${summary}\n${form}\n${legend}\n${shown}\n${groups}\n${nav}`);
}

function headlineHtml(ctx: PageContext, h: Headline): string {
  const { w } = ctx;
  const text = h.kind === 'nothing_checked' ? w.nothingChecked(h.total) : `${w.summary(h.reachable, h.total)}${h.notChecked > 0 ? ` ${w.notCheckedCount(h.notChecked)}` : ''}`;
  return `<p class="headline" data-kind="${h.kind}"><strong>${esc(text)}</strong></p>\n${dataAsOf(ctx)}`;
}

function dataAsOf(ctx: PageContext): string {
  const { w } = ctx;
  const t = ctx.dataAsOf;
  return `<p class="as-of">${t === null ? esc(w.noDataYet) : `<time datetime="${new Date(t).toISOString()}">${esc(w.dataAsOf(`${formatter(w.locale, 'UTC', true).format(t)} UTC`))}</time>`}</p>`;
}

export interface CenterModel {
  center: CenterView;
  tz: string;
  bar: BarDay[];
  windows: WindowFigures[];
  channelWindows: Map<string, WindowFigures>;
  incidents: IncidentView[];
  probes: ProbeLine[];
  /** The clip players (src/board/clips.ts), for a signed-in viewer only. */
  clipsHtml?: string;
}

function figures(w: BoardWords, f: WindowFigures): string {
  const p = pct(f.availability);
  return `<td>${p === null ? esc(w.noData) : `${p}%`}</td><td>${esc(w.attempts(f.reachable + f.down + f.impaired))}</td>`;
}

export function renderCenter(ctx: PageContext, m: CenterModel): string {
  const { w } = ctx;
  const c = m.center;
  const tz = m.tz;
  const head = `<p><a href="/">${esc(w.backToBoard)}</a></p>
<h1>${esc(c.name)}</h1>
<p class="meta">${statusBadge(w, c)} <span class="kind">${esc(w.kinds[c.kind] ?? c.kind)}</span> · ${esc(regionName(c.region, w))}${c.city ? ` · ${esc(c.city)}` : ''}${c.statusSince && c.status !== 'unknown' ? ` · ${esc(w.since(fmtTime(w, tz, c.statusSince)))}` : ''}</p>`;
  const avail = `${dataAsOf(ctx)}<section aria-labelledby="avail-h"><h2 id="avail-h">${esc(w.availability)}</h2>
${renderBar(w, m.bar)}
<table class="figures"><thead><tr><th scope="col"></th><th scope="col">${esc(w.availability)}</th><th scope="col"></th></tr></thead><tbody>
${m.windows.map((f) => `<tr><th scope="row">${esc(w.lastNDays(f.days))}</th>${figures(w, f)}</tr>`).join('\n')}
</tbody></table></section>`;
  const channels = `<section aria-labelledby="ch-h"><h2 id="ch-h">${esc(w.channels)}</h2><ul class="channels">
${c.channels.filter((ch) => !ch.archived).map((ch) => {
    const f = m.channelWindows.get(ch.id);
    const p = f ? pct(f.availability) : null;
    const line = channelLine(w, tz, ch);
    // The line's own closing tag (the per-point list below has list items of its own).
    return `${line.slice(0, -'</li>'.length)}<span class="ch-figure">${esc(w.lastNDays(90))}: ${p === null ? esc(w.noData) : `${p}%`}</span>${ch.lastDetail ? `<span class="ch-detail">${esc(ch.lastDetail)}</span>` : ''}${vantagePoints(w, tz, ch)}</li>`;
  }).join('\n')}</ul></section>`;
  const incidents = `<section aria-labelledby="inc-h"><h2 id="inc-h">${esc(w.incidents)}</h2>
${m.incidents.length === 0 ? `<p>${esc(w.noIncidents)}</p>` : `<ol class="timeline">${m.incidents.map((i) => {
    const ev = i.openEvidence as { probes?: { channelId: string; at: number; detail: string }[] } | null;
    const proofs = (ev?.probes ?? []).slice(0, 6).map((p) => `<li><time>${esc(fmtTime(w, tz, p.at))}</time> ${esc(p.detail)}</li>`).join('');
    return `<li class="incident"><p><strong>${statusOnlyBadge(w, i.worstStatus as CenterStatus)}</strong> ${esc(w.opened)}: <time datetime="${esc(i.openedAt)}">${esc(fmtTime(w, tz, i.openedAt))}</time>
${i.wentDarkAt ? ` · ${esc(w.wentDark)}: <time datetime="${esc(i.wentDarkAt)}">${esc(fmtTime(w, tz, i.wentDarkAt))}</time>` : ''}
 · ${incidentEnd(i.closedAt) === 'closed' && i.closedAt !== null ? `${esc(w.closed)}: <time datetime="${esc(i.closedAt)}">${esc(fmtTime(w, tz, i.closedAt))}</time>` : `<span class="open">${esc(w.stillOpen)}</span>`}${i.maintenanceId ? ` · ${esc(w.maintenance)}` : ''}</p>
${proofs ? `<ul class="proofs">${proofs}</ul>` : ''}</li>`;
  }).join('\n')}</ol>`}</section>`;
  const names = new Map(c.channels.map((ch) => [ch.id, `${w.channelType[ch.type] ?? ch.type} ${ch.value}`]));
  const history = `<section aria-labelledby="hist-h"><h2 id="hist-h">${esc(w.probeHistory)}</h2>
<div class="scroll"><table class="history"><thead><tr><th scope="col">${esc(w.when)}</th><th scope="col">${esc(w.channel)}</th><th scope="col">${esc(w.outcomeHeading)}</th></tr></thead><tbody>
${m.probes.map((p) => `<tr><td>${probeTime(w, tz, p)}</td><td>${esc(names.get(p.channelId) ?? p.channelId)}${p.vantage ? ` <span class="vp-name">(${esc(p.vantage)})</span>` : ''}</td><td><span aria-hidden="true">${CHANNEL_SYMBOL(p.outcome)}</span> ${esc(w.outcome(p.outcome as Outcome))}${p.attempts > 1 ? ` (${esc(w.attempts(p.attempts))})` : ''}</td></tr>`).join('\n')}
</tbody></table></div></section>`;
  return layout(ctx, `${c.name} — reachwatch`, `${head}\n${avail}\n${channels}\n${incidents}\n${m.clipsHtml ? `${m.clipsHtml}\n` : ''}${history}`);
}

/** When a probe was made; a record of several calls shows its first and last. */
function probeTime(w: BoardWords, tz: string, p: ProbeLine): string {
  const at = (t: number) => `<time datetime="${new Date(t).toISOString()}">${esc(fmtTime(w, tz, t))}</time>`;
  return p.firstAt !== null && p.firstAt !== p.startedAt ? `${at(p.firstAt)} – ${at(p.startedAt)}` : at(p.startedAt);
}

export function renderNotFound(ctx: PageContext): string {
  return layout(ctx, ctx.w.notFound, `<h1>${esc(ctx.w.notFound)}</h1><p><a href="/">${esc(ctx.w.backToBoard)}</a></p>`);
}
