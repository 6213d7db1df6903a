// The public board (`/`, `/centers/:id`) and the verified directory (`/directory.json`, `.csv`).
// Read-only, no token: what oversight bodies and people looking for help see.

import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csvDialect, CsvOptionError, writeCsv } from '../util/csv.ts';
import { Type } from 'typebox';
import { CENTER_STATUSES } from '../status/center.ts';
import type { MaintenanceWindows } from '../maintenance/windows.ts';
import type { CenterView } from '../store/queries.ts';
import { banners, headline } from './headline.ts';
import { parseBoardQuery, parseLang, type BadParam } from './query.ts';
import { ErrorReply } from '../api/schemas.ts';
import type { BoardData } from './data.ts';
import { BOARD_WORDS } from '../i18n/board.ts';
import { pickLanguage, type Language } from '../i18n/languages.ts';
import { renderBoard, renderCenter, renderNotFound, type PageContext, type Viewer } from './render.ts';
import { renderClips, type CenterClips } from './clips.ts';

export interface BoardOptions {
  data: BoardData;
  /** reachwatch's own health, for the "monitoring degraded" banner; absent in tools without a self-check. */
  selfCheck?: (() => { degraded: boolean; since: number }) | null;
  /** Maintenance windows, for the current and upcoming banners. */
  maintenance?: MaintenanceWindows | null;
  /** A channel is listed in the directory when verified reachable within this many days. */
  directoryDays: number;
  pageSize: number;
  /** Who is signed in on this request (the API's sessions), when sign-in is wired; absent: nobody ever is. */
  viewer?: (req: FastifyRequest) => Viewer | null;
  /** The clips a signed-in viewer may play on a center page; absent when clips are not kept. */
  clips?: CenterClips | null;
}

const ASSETS = {
  'board.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./assets/board.css', import.meta.url)) },
  'board.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./assets/board.js', import.meta.url)) },
};

const LangQuery = Type.Optional(Type.String({ description: 'ru, kk or en; remembered in a cookie. Another value is ignored, with a note on the page.' }));

// The pages' parameters are documented here but read by parseBoardQuery: a value that is not
// understood shows the page with its default and a note (attachValidation keeps Fastify's JSON
// error away from people).
const BoardQuery = Type.Object({
  lang: LangQuery,
  q: Type.Optional(Type.String({ description: 'Search in center names, at most 200 characters' })),
  region: Type.Optional(Type.String({ description: 'A region as listed, or "-" for centers without one' })),
  status: Type.Optional(Type.String({ description: CENTER_STATUSES.join(', ') })),
  kind: Type.Optional(Type.String({ description: 'A kind of center as listed' })),
  page: Type.Optional(Type.String({ description: 'Page number, from 1' })),
});

/** A page for everyone may be cached; a signed-in one is its viewer's alone. */
const cacheOf = (ctx: PageContext): string => (ctx.viewer ? 'private, no-store' : 'public, max-age=15');

/** What a page shows besides its own content: nothing, for pages outside the board's data (sign-in). */
export const NOTHING_SHOWN: Pick<PageContext, 'banners' | 'dataAsOf' | 'notes'> = { banners: [], dataAsOf: null, notes: [] };

export function context(
  req: FastifyRequest,
  reply: FastifyReply,
  chosen: Language | undefined,
  query: Record<string, string | undefined>,
  shown: Pick<PageContext, 'banners' | 'dataAsOf' | 'notes'>,
  viewer?: Viewer | null,
): PageContext {
  const cookie = /(?:^|;\s*)lang=(ru|kk|en)\b/.exec(req.headers.cookie ?? '')?.[1];
  const lang = pickLanguage(chosen, cookie, req.headers['accept-language']);
  if (chosen) void reply.header('set-cookie', `lang=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`);
  void reply.header('vary', 'Accept-Language, Cookie').header('content-language', lang);
  // helmet's no-referrer makes browsers post forms with "Origin: null"; the sign-out form must show its origin.
  if (viewer) void reply.header('referrer-policy', 'same-origin');
  const rest = Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[0] !== 'lang' && typeof e[1] === 'string' && e[1] !== ''));
  return { w: BOARD_WORDS[lang], path: req.url.split('?')[0] ?? '/', query: rest, ...shown, ...(viewer ? { viewer } : {}) };
}

/** The newest verification among these channels: what "data as of" says. */
function newestVerification(centers: readonly CenterView[]): number | null {
  let newest: number | null = null;
  for (const c of centers) {
    for (const ch of c.channels) {
      if (ch.lastVerifiedAt === null) continue;
      const t = Date.parse(ch.lastVerifiedAt);
      if (newest === null || t > newest) newest = t;
    }
  }
  return newest;
}

export const boardRoutes: FastifyPluginAsyncTypebox<BoardOptions> = async (app, { data, directoryDays, pageSize, selfCheck, maintenance, viewer, clips }) => {
  const degradedSince = (): number | null => {
    const s = selfCheck?.();
    return s?.degraded ? s.since : null;
  };
  const windows = (now: number, center?: CenterView) =>
    (maintenance?.list({ current: now, limit: 50 }) ?? [])
      .filter((w) => !center || (w.centerId === null && w.region === null) || w.centerId === center.id || (w.region !== null && w.region === center.region))
      .map((w) => ({ ...w, centerName: w.centerId === null ? null : (center?.id === w.centerId ? center.name : (data.queries.center(w.centerId)?.name ?? w.centerId)) }));

  app.get(
    '/',
    { attachValidation: true, schema: { tags: ['board'], summary: 'The uptime board (HTML): every listed center, its status and its 90-day availability', querystring: BoardQuery } },
    async (req, reply) => {
      const now = Date.now();
      const all = data.centers();
      const kinds = [...new Set(all.map((c) => c.kind))].sort();
      const regions = [...new Set(all.map((c) => c.region))].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
      const { filters: f, bad } = parseBoardQuery(req.query as Record<string, unknown>, { kinds: new Set(kinds), regions: new Set(regions.filter((r): r is string => r !== null)) });
      const summary = data.summary(all, now);
      const { lang: _lang, page: _page, ...kept } = f;
      const ctx = context(req, reply, f.lang, { ...kept, ...(f.page > 1 ? { page: String(f.page) } : {}) }, {
        banners: banners(degradedSince(), windows(now), now),
        dataAsOf: newestVerification(all),
        notes: bad,
      }, viewer?.(req));
      const q = f.q?.trim().toLowerCase();
      const matching = all.filter(
        (c) =>
          (!f.region || (f.region === '-' ? c.region === null : c.region === f.region)) &&
          (!f.status || c.status === f.status) &&
          (!f.kind || c.kind === f.kind) &&
          (!q || c.name.toLowerCase().includes(q) || c.id.includes(q) || (c.city ?? '').toLowerCase().includes(q)),
      );
      const pages = Math.max(1, Math.ceil(matching.length / pageSize));
      const page = Math.min(f.page, pages);
      const slice = matching.slice((page - 1) * pageSize, page * pageSize);
      const html = renderBoard(ctx, {
        headline: headline({ total: summary.total, reachable: summary.reachable, checked: all.filter((c) => c.channels.some((ch) => ch.lastVerifiedAt !== null)).length }),
        summary,
        regions,
        kinds,
        centers: slice.map((center) => ({ center, tz: data.tzOf(center), bar: data.bar(center, now) })),
        matching: matching.length,
        pages,
        filters: { page, ...(f.region ? { region: f.region } : {}), ...(f.status ? { status: f.status } : {}), ...(f.kind ? { kind: f.kind } : {}), ...(f.q ? { q: f.q } : {}) },
      });
      return reply.code(bad.length ? 400 : 200).type('text/html; charset=utf-8').header('cache-control', cacheOf(ctx)).send(html);
    },
  );

  app.get(
    '/centers/:id',
    {
      attachValidation: true,
      schema: {
        tags: ['board'],
        summary: "A center's page (HTML): channels, incidents with evidence, probe history, availability over 7, 30 and 90 days",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) }),
        querystring: Type.Object({ lang: LangQuery }),
      },
    },
    async (req, reply) => {
      const now = Date.now();
      const bad: BadParam[] = [];
      const lang = parseLang(req.query as Record<string, unknown>, bad);
      const id = (req.params as { id?: unknown }).id;
      const center = typeof id === 'string' && id.length <= 300 ? data.queries.center(id) : null;
      const ctx = context(req, reply, lang, {}, {
        banners: banners(degradedSince(), center ? windows(now, center) : [], now),
        dataAsOf: center ? newestVerification([center]) : null,
        notes: bad,
      }, viewer?.(req));
      if (!center) {
        if (ctx.viewer) void reply.header('cache-control', 'private, no-store');
        return reply.code(404).type('text/html; charset=utf-8').send(renderNotFound(ctx));
      }
      const bar = data.bar(center, now);
      const html = renderCenter(ctx, {
        center,
        tz: data.tzOf(center),
        bar,
        windows: [7, 30, 90].map((n) => data.window(bar, n)),
        channelWindows: new Map(center.channels.map((ch) => [ch.id, data.channelWindow(ch.id, now, 90)])),
        incidents: data.incidents(center.id),
        probes: data.recentProbes(center, 50),
        ...(ctx.viewer && clips ? { clipsHtml: renderClips(ctx.w, data.tzOf(center), center, clips.recent(center)) } : {}),
      });
      return reply.code(bad.length ? 400 : 200).type('text/html; charset=utf-8').header('cache-control', cacheOf(ctx)).send(html);
    },
  );

  const DirectoryQuery = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 3650, default: directoryDays, description: 'Verified reachable within this many days' }) });
  const directory = (days: number) => {
    const now = Date.now();
    return {
      generated_at: new Date(now).toISOString(),
      verified_within_days: days,
      centers: data.verified(days, now).map(({ center, channels }) => ({
        id: center.id,
        name: center.name,
        kind: center.kind,
        region: center.region,
        city: center.city,
        status: center.status,
        channels: channels.map((ch) => ({ id: ch.id, type: ch.type, value: ch.value, target: ch.target, last_verified_at: ch.lastReachableAt })),
      })),
    };
  };

  app.get(
    '/directory.json',
    {
      schema: {
        tags: ['board'],
        summary: 'The verified directory: centers and the channels confirmed reachable within the last N days, each with the date it was last verified',
        querystring: DirectoryQuery,
        response: {
          200: Type.Object({
            generated_at: Type.String({ format: 'date-time' }),
            verified_within_days: Type.Integer(),
            centers: Type.Array(Type.Object({
              id: Type.String(), name: Type.String(), kind: Type.String(), region: Type.Union([Type.String(), Type.Null()]), city: Type.Union([Type.String(), Type.Null()]), status: Type.String(),
              channels: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), value: Type.String(), target: Type.Union([Type.String(), Type.Null()]), last_verified_at: Type.Union([Type.String(), Type.Null()]) })),
            })),
          }, { examples: [{ generated_at: '2026-11-21T10:00:00.000Z', verified_within_days: 30, centers: [{ id: 'perspective-almaty', name: 'Перспектива', kind: 'rehabilitation_center', region: 'Almaty (city of republican significance)', city: 'Almaty', status: 'reachable', channels: [{ id: 'perspective-almaty--phone-77272619580', type: 'phone', value: '8 (727) 261-95-80', target: '+77272619580', last_verified_at: '2026-11-20T05:12:00.000Z' }] }] }] }),
          400: ErrorReply,
        },
      },
    },
    async (req, reply) => reply.header('cache-control', 'public, max-age=60').send(directory(req.query.days)),
  );

  const DirectoryCsvQuery = Type.Object({
    days: DirectoryQuery.properties.days,
    excel: Type.Optional(Type.String({ description: 'For spreadsheets: 1 (or true) adds a UTF-8 byte-order mark and CRLF line ends, keeps digit-only numbers as text, and separates cells with ";" for lang ru or kk.', examples: ['1'] })),
    sep: Type.Optional(Type.String({ description: 'Cell separator: "," (default), ";" or tab; overrides the one excel picks from lang.', examples: [';'] })),
    // A file for programs and spreadsheets, not a page: a language it does not know is a 400 naming it.
    lang: Type.Optional(Type.Union([Type.Literal('ru'), Type.Literal('kk'), Type.Literal('en')], { description: 'ru, kk or en: the separator excel picks' })),
  });
  app.get(
    '/directory.csv',
    { schema: { tags: ['board'], summary: 'The verified directory as CSV, one row per verified channel', description: 'Cells that would start a formula (= + - @, tab, CR, LF) get a leading apostrophe; see "CSV for spreadsheets" in docs/api.md.', querystring: DirectoryCsvQuery, response: { 200: { description: 'CSV with a header row', content: { 'text/csv': { schema: Type.String() } } }, 400: ErrorReply } } },
    async (req, reply) => {
      const q = req.query;
      let dialect;
      try {
        dialect = csvDialect({ excel: q.excel, sep: q.sep, lang: pickLanguage(q.lang, /(?:^|;\s*)lang=(ru|kk|en)\b/.exec(req.headers.cookie ?? '')?.[1], req.headers['accept-language']) });
      } catch (e) {
        if (e instanceof CsvOptionError) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `querystring parameter "${e.param}" ${e.message}` });
        throw e;
      }
      const d = directory(q.days);
      const rows = d.centers.flatMap((c) => c.channels.map((ch) => [c.id, c.name, c.kind, c.region ?? '', c.city ?? '', ch.type, ch.value, ch.target ?? '', ch.last_verified_at ?? '']));
      const csv = writeCsv(['center_id', 'center_name', 'kind', 'region', 'city', 'channel_type', 'value', 'target', 'last_verified_at'], rows, dialect);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="reachwatch-directory-${d.generated_at.slice(0, 10)}.csv"`)
        .header('cache-control', 'public, max-age=60')
        .header('vary', 'accept-language, cookie')
        .send(csv);
    },
  );

  app.get('/assets/:file', { schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 50 }) }) } }, async (req, reply) => {
    const a = ASSETS[req.params.file as keyof typeof ASSETS];
    if (!a) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No asset ${req.params.file}.` });
    return reply.type(a.type).header('cache-control', 'public, max-age=3600').send(a.body);
  });
};
