// Auditor reports over HTTP: availability for any period and set of centers (JSON, CSV or a printable
// page), and the thesis-shaped table of a day or a short range of days. Read-only, from the rollups;
// the same parameters and refusals as `reachwatch report`.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { buildAvailabilityReport, ReportInputError, reportShape, UnknownCenterError, type ReportSettings } from '../../reports/availability.ts';
import { parseAvailabilityParams, parseThesisParams } from '../../reports/query.ts';
import { CONTENT_TYPES, periodSlug, renderAvailability, renderReportRefusal, renderThesis, REPORT_STYLE_CSP, type ReportFormat } from '../../reports/render.ts';
import { buildThesisTable } from '../../reports/thesis-table.ts';
import type { DB } from '../../store/db.ts';
import { requireRole } from '../auth.ts';
import { ErrorReply } from '../schemas.ts';

/** Rows (centers and channels × periods) the API builds at most: the daemon's heap is small. */
export const MAX_API_REPORT_ROWS = 30_000;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const Counts = Type.Object({ reachable: Type.Integer(), down: Type.Integer(), impaired: Type.Integer(), inconclusive: Type.Integer(), errors: Type.Integer() });
const Outage = Type.Object(
  {
    kind: Type.Union([Type.Literal('dark'), Type.Literal('partial'), Type.Literal('down'), Type.Literal('impaired')]),
    from: DateTime,
    to: DateTime,
    durationMs: Type.Integer(),
    duration: Type.String(),
    statuses: Type.Array(Type.String()),
    clippedStart: Type.Boolean(),
    clippedEnd: Type.Boolean(),
    incidentId: Type.Optional(Nullable(Type.Integer())),
  },
  { description: 'The longest unbroken spell of a confirmed dark status (center; partial if never dark) or down status (channel; impaired if never down), cut to the period.' },
);
const figures = {
  key: Type.String({ description: '2026-03-02 (day), 2026-W10 (ISO week), 2026-03 (month) or total.' }),
  from: DateTime,
  to: DateTime,
  hours: Type.Integer({ description: 'Hours of the period outside maintenance.' }),
  probes: Type.Integer({ description: 'Every probe of the period, maintenance hours included.' }),
  outcomes: Counts,
  counted: Type.Object({ reachable: Type.Integer(), down: Type.Integer(), impaired: Type.Integer() }, { description: 'Outside maintenance: what availability is computed from.' }),
  availability: Nullable(Type.Number({ description: 'reachable / (reachable + down + impaired), outside maintenance; null: no data (never 0).' })),
  callingHours: Type.Object({ hours: Type.Integer(), probes: Type.Integer(), outcomes: Counts, availability: Nullable(Type.Number()) }),
  maintenance: Type.Object({ hours: Type.Integer(), probes: Type.Integer(), outcomes: Counts }),
  firstReachableAt: Nullable(DateTime),
  lastReachableAt: Nullable(DateTime),
  longestOutage: Nullable(Outage),
};
const ChannelPeriod = Type.Object(figures);
const CenterPeriod = Type.Object({
  ...figures,
  incidents: Type.Object({ count: Type.Integer(), ids: Type.Array(Type.Integer()) }),
  maintenanceWindows: Type.Array(Type.Integer()),
});

const EXAMPLE_FIGURES = {
  key: '2026-01', from: '2025-12-31T19:00:00.000Z', to: '2026-01-31T19:00:00.000Z', hours: 744, probes: 8928,
  outcomes: { reachable: 8500, down: 300, impaired: 0, inconclusive: 28, errors: 100 }, counted: { reachable: 8500, down: 300, impaired: 0 },
  availability: 0.9659, callingHours: { hours: 198, probes: 2376, outcomes: { reachable: 2300, down: 50, impaired: 0, inconclusive: 6, errors: 20 }, availability: 0.9787 },
  maintenance: { hours: 0, probes: 0, outcomes: { reachable: 0, down: 0, impaired: 0, inconclusive: 0, errors: 0 } },
  firstReachableAt: '2025-12-31T19:03:12.000Z', lastReachableAt: '2026-01-31T18:58:40.000Z',
  longestOutage: { kind: 'dark', from: '2026-01-12T04:00:00.000Z', to: '2026-01-13T06:30:00.000Z', durationMs: 95_400_000, duration: '1 d 2 h 30 min', statuses: ['dark'], clippedStart: false, clippedEnd: false, incidentId: 7 },
};

const AvailabilityReportSchema = Type.Object(
  {
    report: Type.Literal('availability'),
    generatedAt: DateTime,
    period: Type.Object({
      from: DateTime,
      to: DateTime,
      requested: Type.Object({ from: Type.String(), to: Type.String() }),
      hours: Type.Integer(),
      timeZone: Type.String(),
      granularity: Type.String(),
    }),
    filter: Type.Object({ centers: Nullable(Type.Array(Type.String())), region: Nullable(Type.String()), kind: Nullable(Type.String()) }),
    rules: Type.Object(
      { lang: Type.String(), statements: Type.Array(Type.Object({ topic: Type.String(), text: Type.String() })) },
      { additionalProperties: true, description: 'The counting rules: outcome classes, confirmation, time zone, calling hours, maintenance, rollup granularity, and one sentence per topic.' },
    ),
    buckets: Type.Array(Type.Object({ key: Type.String(), from: DateTime, to: DateTime })),
    centers: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        kind: Type.String(),
        city: Nullable(Type.String()),
        region: Nullable(Type.String()),
        timeZone: Type.String(),
        archived: Type.Boolean(),
        incidents: Type.Array(Type.Object({ id: Type.Integer(), openedAt: DateTime, closedAt: Nullable(DateTime), status: Type.String(), worstStatus: Type.String(), wentDarkAt: Nullable(DateTime), closeReason: Nullable(Type.String()), maintenanceId: Nullable(Type.Integer()) })),
        maintenanceWindows: Type.Array(Type.Object({ id: Type.Integer(), centerId: Nullable(Type.String()), region: Nullable(Type.String()), from: DateTime, to: DateTime, reason: Type.String(), createdBy: Type.String(), endedEarly: Type.Boolean() })),
        buckets: Type.Array(CenterPeriod),
        total: CenterPeriod,
        channels: Type.Array(
          Type.Object({ id: Type.String(), type: Type.String(), value: Type.String(), target: Nullable(Type.String()), probeable: Type.Boolean(), archived: Type.Boolean(), buckets: Type.Array(ChannelPeriod), total: ChannelPeriod }),
        ),
      }),
    ),
  },
  {
    description: 'Per center and channel, per bucket and for the whole period. A center is the sum of its channels.',
    examples: [
      {
        report: 'availability', generatedAt: '2026-04-01T03:00:00.000Z',
        period: { from: '2025-12-31T19:00:00.000Z', to: '2026-01-31T19:00:00.000Z', requested: { from: '2026-01-01', to: '2026-01-31' }, hours: 744, timeZone: 'Asia/Almaty', granularity: 'month' },
        filter: { centers: ['perspective-almaty'], region: null, kind: null },
        rules: { lang: 'en', statements: [{ topic: 'availability', text: 'Availability = reachable / (reachable + down + impaired). Inconclusive attempts and our errors are left out of it.' }] },
        buckets: [{ key: '2026-01', from: '2025-12-31T19:00:00.000Z', to: '2026-01-31T19:00:00.000Z' }],
        centers: [
          {
            id: 'perspective-almaty', name: 'Information-consultative group "Perspective"', kind: 'rehabilitation_center', city: 'Almaty', region: 'Almaty (city of republican significance)',
            timeZone: 'Asia/Almaty', archived: false,
            incidents: [{ id: 7, openedAt: '2026-01-12T03:40:00.000Z', closedAt: '2026-01-13T06:30:00.000Z', status: 'dark', worstStatus: 'dark', wentDarkAt: '2026-01-12T04:00:00.000Z', closeReason: 'recovered', maintenanceId: null }],
            maintenanceWindows: [],
            buckets: [{ ...EXAMPLE_FIGURES, incidents: { count: 1, ids: [7] }, maintenanceWindows: [] }],
            total: { ...EXAMPLE_FIGURES, key: 'total', incidents: { count: 1, ids: [7] }, maintenanceWindows: [] },
            channels: [{ id: 'perspective-almaty--web-www-perspektiva-group-kz', type: 'website', value: 'http://www.perspektiva-group.kz/', target: 'http://www.perspektiva-group.kz/', probeable: true, archived: false, buckets: [EXAMPLE_FIGURES], total: { ...EXAMPLE_FIGURES, key: 'total' } }],
          },
        ],
      },
    ],
  },
);

const ThesisTableSchema = Type.Object(
  {
    report: Type.Literal('thesis-table'),
    generatedAt: DateTime,
    date: Type.String(),
    until: Type.String({ description: 'The last day, included; equal to date for a one-day table.' }),
    lang: Type.String(),
    title: Type.String(),
    note: Type.String(),
    columns: Type.Object({ name: Type.String(), addressRegion: Type.String(), accessibility: Type.String() }),
    rows: Type.Array(
      Type.Object({
        no: Type.Integer(),
        centerId: Type.String(),
        name: Type.String(),
        city: Nullable(Type.String()),
        region: Nullable(Type.String()),
        address: Type.String(),
        contacts: Type.Array(Type.String()),
        accessibility: Type.Array(Type.String()),
        summary: Type.String(),
        from: DateTime,
        to: DateTime,
        channels: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), value: Type.String(), target: Nullable(Type.String()), verdict: Type.String(), attempts: Type.Record(Type.String(), Type.Integer()), words: Type.String() })),
      }),
    ),
  },
  {
    description: 'Appendix 1 of the 2018 thesis for a day or a short range of days: name, address/region with the contacts beneath, and accessibility in words.',
    examples: [
      {
        report: 'thesis-table', generatedAt: '2026-03-06T03:00:00.000Z', date: '2026-03-05', until: '2026-03-05', lang: 'en', title: 'Accessibility of the centers on 2026-03-05',
        note: 'What the probes of 2026-03-05 said, per contact …', columns: { name: 'Name', addressRegion: 'Address/Region', accessibility: 'Accessibility' },
        rows: [
          {
            no: 1, centerId: 'perspective-almaty', name: 'Information-consultative group "Perspective"', city: 'Almaty', region: 'Almaty (city of republican significance)',
            address: 'Almaty, Almaty (city of republican significance)', contacts: ['+77272619580', 'http://www.perspektiva-group.kz/'],
            accessibility: ['Accessibility: dark', 'Phone +77272619580: belongs to someone else (3)', 'Website http://www.perspektiva-group.kz/: closed (288)'],
            summary: 'dark', from: '2026-03-04T19:00:00.000Z', to: '2026-03-05T19:00:00.000Z',
            channels: [{ id: 'perspective-almaty--phone-77272619580', type: 'phone', value: '+77272619580', target: '+77272619580', verdict: 'down', attempts: { wrong_number: 3 }, words: 'Phone +77272619580: belongs to someone else (3)' }],
          },
        ],
      },
    ],
  },
);

const FORMAT = Type.Optional(Type.String({ description: 'json (default), csv or html (a printable page).', examples: ['json', 'csv', 'html'] }));
const EXCEL = Type.Optional(Type.String({ description: 'CSV for spreadsheets: 1 (or true) adds a UTF-8 byte-order mark and CRLF line ends, keeps digit-only text as text, and separates cells with ";" (decimal comma) for lang ru or kk. Implies format=csv.', examples: ['1'] }));
const SEP = Type.Optional(Type.String({ description: 'CSV cell separator: "," (default), ";" or tab; overrides the one excel picks from lang.', examples: [';'] }));
const LANG = Type.Optional(Type.String({ description: 'Language of the words, rules and headings: ru, kk or en (default).', examples: ['en'] }));
const FILTER = {
  center: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 1000, description: 'Center ids; repeat for several (center=a&center=b). Unknown ids get 404.' })),
  region: Type.Optional(Type.String({ maxLength: 300, description: 'Registry region (region_normalized), exactly.', examples: ['Almaty Region'] })),
  kind: Type.Optional(Type.String({ maxLength: 100, description: 'rehabilitation_center, hotline, religious_studies_center, directory.' })),
};
const bodies = (schema: typeof AvailabilityReportSchema | typeof ThesisTableSchema, what: string) => ({
  description: `${what}: JSON, CSV (text/csv) or a printable HTML page (text/html), as format says.`,
  content: {
    'application/json': { schema },
    'text/csv': { schema: Type.String({ description: 'A header line, then one row per record; quoted as RFC 4180.' }) },
    'text/html': { schema: Type.String({ description: 'A self-contained page: the rules at the top, print styles, no script.' }) },
  },
});

export const reportRoutes: FastifyPluginAsyncTypebox<{ db: DB; settings: ReportSettings; maxRows?: number }> = async (app, { db, settings, maxRows = MAX_API_REPORT_ROWS }) => {
  // A report asked for as a page (format=html) is refused with a page, every other with JSON.
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: 400 | 404, message: string) => {
    if ((req.query as { format?: unknown }).format === 'html') {
      return reply.code(status).type(CONTENT_TYPES.html).header('cache-control', 'no-store').header('content-security-policy', REPORT_STYLE_CSP).send(renderReportRefusal(status, message));
    }
    return reply.code(status).send({ statusCode: status, error: status === 400 ? 'Bad Request' : 'Not Found', message });
  };
  const bad = (req: FastifyRequest, reply: FastifyReply, message: string) => refuse(req, reply, 400, message);
  // Schema errors (a region too long, too many centers) are refused the same way, page or JSON.
  const schemaError = (req: FastifyRequest, reply: FastifyReply) => {
    const e = req.validationError as (Error & { validation?: { instancePath?: string; message?: string }[] }) | undefined;
    if (!e) return null;
    const first = e.validation?.[0];
    const param = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    return bad(req, reply, param ? `querystring parameter "${param}" ${first?.message ?? 'is invalid'}` : e.message);
  };
  const name = (p: string) => `"${p}"`;
  const send = (reply: FastifyReply, format: ReportFormat, text: string, file: string) => {
    void reply.type(CONTENT_TYPES[format]).header('cache-control', 'no-store');
    if (format === 'csv') void reply.header('content-disposition', `attachment; filename="${file}.csv"`);
    // The page's one style block, allowed by its hash; nothing else may load or run.
    if (format === 'html') void reply.header('content-security-policy', REPORT_STYLE_CSP);
    return reply.send(text);
  };

  app.get(
    '/reports/availability',
    {
      schema: {
        tags: ['history'],
        summary: 'Availability report for a period and a set of centers, by day, week or month (role: auditor)',
        description:
          'Role: auditor (or admin). Built from the hourly rollups: probes, outcomes by class, availability (null when there is no data), availability in calling hours, ' +
          'maintenance hours (left out of availability), incidents, the longest outage, and the first and last reachable probe, per center and channel, per bucket and for ' +
          'the whole period. `from` and `to`: a date (a whole local day in the default time zone; `to` includes its day), an ISO 8601 date-time with its offset, or ' +
          `epoch ms; at most two years. The counting rules are part of every report. At most ${MAX_API_REPORT_ROWS.toLocaleString('en')} rows (centers and channels × periods); ` +
          'larger reports: `reachwatch report` on the server.',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          from: Type.Optional(Type.String({ description: 'Start: a date (YYYY-MM-DD), an ISO 8601 date-time with offset, or epoch ms.', examples: ['2026-01-01'] })),
          to: Type.Optional(Type.String({ description: 'End: a date (included), or an instant (excluded).', examples: ['2026-03-31'] })),
          ...FILTER,
          granularity: Type.Optional(Type.String({ description: 'day, week (ISO, from Monday) or month (default).', examples: ['month'] })),
          format: FORMAT,
          lang: LANG,
          excel: EXCEL,
          sep: SEP,
        }),
        response: { 200: bodies(AvailabilityReportSchema, 'The report'), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      },
      onRequest: requireRole('auditor'),
      attachValidation: true,
    },
    async (req, reply) => {
      const invalid = schemaError(req, reply);
      if (invalid) return invalid;
      try {
        const { query, format, csv } = parseAvailabilityParams(req.query, settings);
        const shape = reportShape(db, query, settings);
        if (shape.rows > maxRows) {
          return bad(
            req,
            reply,
            `querystring parameter "granularity": this report would have ${shape.rows.toLocaleString('en')} rows (${shape.centers} centers and ${shape.channels} channels × ${shape.buckets + 1} periods); ` +
              `the API builds at most ${maxRows.toLocaleString('en')}: choose a coarser granularity, a shorter period or fewer centers (center, region, kind), or run "reachwatch report" on the server`,
          );
        }
        const report = buildAvailabilityReport(db, query, settings);
        req.log.info({ by: req.actor?.tokenId, from: report.period.from, to: report.period.to, centers: report.centers.length, granularity: query.granularity, format }, 'availability report');
        return send(reply, format, renderAvailability(report, format, { compact: true, csv }), `reachwatch-availability-${periodSlug(report)}`);
      } catch (e) {
        if (e instanceof ReportInputError) return bad(req, reply, `querystring parameter ${name(e.param)} ${e.describe(name)}`);
        if (e instanceof UnknownCenterError) return refuse(req, reply, 404, `querystring parameter "center": ${e.message}`);
        throw e;
      }
    },
  );

  app.get(
    '/reports/thesis-table',
    {
      schema: {
        tags: ['history'],
        summary: 'The 2018 thesis\'s accessibility table (Appendix 1) for a day or a short range of days (role: auditor)',
        description:
          'Role: auditor (or admin). One row per center: name; address and region with its contacts beneath; and accessibility in the board\'s words, from what each ' +
          'contact\'s probes said on that local day, or from `date` to `until` (both included, at most 31 days apart), in each center\'s own zone, with the number ' +
          'of attempts. Our own failures are shown as ours.',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          date: Type.Optional(Type.String({ description: 'The day, YYYY-MM-DD; the first day when until is given.', examples: ['2026-03-05'] })),
          until: Type.Optional(Type.String({ description: 'The last day, YYYY-MM-DD, included: not before date and at most 31 days after it. Default: date alone.', examples: ['2026-03-06'] })),
          ...FILTER,
          format: FORMAT,
          lang: LANG,
          excel: EXCEL,
          sep: SEP,
        }),
        response: { 200: bodies(ThesisTableSchema, 'The table'), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      },
      onRequest: requireRole('auditor'),
      attachValidation: true,
    },
    async (req, reply) => {
      const invalid = schemaError(req, reply);
      if (invalid) return invalid;
      try {
        const { query, format, csv } = parseThesisParams(req.query);
        const table = buildThesisTable(db, query, settings);
        req.log.info({ by: req.actor?.tokenId, date: table.date, until: table.until, rows: table.rows.length, format }, 'thesis table');
        const days = table.until === table.date ? table.date : `${table.date}_${table.until}`;
        return send(reply, format, renderThesis(table, format, { compact: true, csv }), `reachwatch-thesis-table-${days}`);
      } catch (e) {
        if (e instanceof ReportInputError) return bad(req, reply, `querystring parameter ${name(e.param)} ${e.describe(name)}`);
        if (e instanceof UnknownCenterError) return refuse(req, reply, 404, `querystring parameter "center": ${e.message}`);
        throw e;
      }
    },
  );
};
