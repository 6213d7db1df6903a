// The public board (`/`, `/centers/:id`) and the verified directory (`/directory.json`, `.csv`).
// Read-only, no token: what oversight bodies and people looking for help see.

import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csvDialect, CsvOptionError, writeCsv } from '../util/csv.ts';
import { Type } from 'typebox';
import { CENTER_STATUSES } from '../status/center.ts';
import { ErrorReply } from '../api/schemas.ts';
import type { BoardData } from './data.ts';
import { BOARD_WORDS } from '../i18n/board.ts';
import { pickLanguage } from '../i18n/languages.ts';
import { renderBoard, renderCenter, renderNotFound, type PageContext, type Viewer } from './render.ts';
import { renderClips, type CenterClips } from './clips.ts';

export interface BoardOptions {
  data: BoardData;
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

const LangQuery = Type.Optional(Type.Union([Type.Literal('ru'), Type.Literal('kk'), Type.Literal('en')], { description: 'ru, kk or en; remembered in a cookie' }));

const BoardQuery = Type.Object({
  lang: LangQuery,
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Search in center names' })),
  region: Type.Optional(Type.String({ maxLength: 200, description: 'A region as listed, or "-" for centers without one' })),
  status: Type.Optional(Type.Union([Type.Literal(''), ...CENTER_STATUSES.map((s) => Type.Literal(s))])),
  kind: Type.Optional(Type.String({ maxLength: 100 })),
  page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
});

/** A page for everyone may be cached; a signed-in one is its viewer's alone. */
const cacheOf = (ctx: PageContext): string => (ctx.viewer ? 'private, no-store' : 'public, max-age=15');

export function context(req: FastifyRequest, reply: FastifyReply, query: Record<string, unknown>, viewer?: Viewer | null): PageContext {
  const cookie = /(?:^|;\s*)lang=(ru|kk|en)\b/.exec(req.headers.cookie ?? '')?.[1];
  const chosen = typeof query.lang === 'string' ? query.lang : undefined;
  const lang = pickLanguage(chosen, cookie, req.headers['accept-language']);
  if (chosen) void reply.header('set-cookie', `lang=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`);
  void reply.header('vary', 'Accept-Language, Cookie').header('content-language', lang);
  // helmet's no-referrer makes browsers post forms with "Origin: null"; the sign-out form must show its origin.
  if (viewer) void reply.header('referrer-policy', 'same-origin');
  const rest = Object.fromEntries(Object.entries(query).filter(([k, v]) => k !== 'lang' && typeof v === 'string' && v !== '')) as Record<string, string>;
  return { w: BOARD_WORDS[lang], path: req.url.split('?')[0] ?? '/', query: rest, ...(viewer ? { viewer } : {}) };
}

export const boardRoutes: FastifyPluginAsyncTypebox<BoardOptions> = async (app, { data, directoryDays, pageSize, viewer, clips }) => {
  app.get(
    '/',
    { schema: { tags: ['board'], summary: 'The uptime board (HTML): every listed center, its status and its 90-day availability', querystring: BoardQuery } },
    async (req, reply) => {
      const ctx = context(req, reply, req.query as Record<string, unknown>, viewer?.(req));
      const now = Date.now();
      const all = data.centers();
      const f = req.query;
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
        summary: data.summary(all, now),
        regions: [...new Set(all.map((c) => c.region))].sort((a, b) => (a ?? '').localeCompare(b ?? '')),
        kinds: [...new Set(all.map((c) => c.kind))].sort(),
        centers: slice.map((center) => ({ center, tz: data.tzOf(center), bar: data.bar(center, now) })),
        matching: matching.length,
        pages,
        filters: { page, ...(f.region ? { region: f.region } : {}), ...(f.status ? { status: f.status } : {}), ...(f.kind ? { kind: f.kind } : {}), ...(f.q ? { q: f.q } : {}) },
      });
      return reply.type('text/html; charset=utf-8').header('cache-control', cacheOf(ctx)).send(html);
    },
  );

  app.get(
    '/centers/:id',
    {
      schema: {
        tags: ['board'],
        summary: "A center's page (HTML): channels, incidents with evidence, probe history, availability over 7, 30 and 90 days",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) }),
        querystring: Type.Object({ lang: LangQuery }),
      },
    },
    async (req, reply) => {
      const ctx = context(req, reply, req.query as Record<string, unknown>, viewer?.(req));
      const center = data.queries.center(req.params.id);
      if (!center) {
        if (ctx.viewer) void reply.header('cache-control', 'private, no-store');
        return reply.code(404).type('text/html; charset=utf-8').send(renderNotFound(ctx));
      }
      const now = Date.now();
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
      return reply.type('text/html; charset=utf-8').header('cache-control', cacheOf(ctx)).send(html);
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
    lang: LangQuery,
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
