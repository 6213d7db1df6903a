// `reachwatch report`: availability reports and the thesis-shaped table, for auditors, on the
// database of the configured data dir. It opens the database read-only, so it runs beside the daemon
// (WAL lets readers and the writer work at once) and can never change the evidence.

import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import type { EnvSource } from '../config/env.ts';
import { buildAvailabilityReport, ReportInputError, reportSettingsFrom, UnknownCenterError } from '../reports/availability.ts';
import { parseAvailabilityParams, parseThesisParams } from '../reports/query.ts';
import { renderAvailability, renderThesis } from '../reports/render.ts';
import { buildThesisTable } from '../reports/thesis-table.ts';
import { DB_FILE_NAME, openDatabase } from '../store/db.ts';
import { EXIT } from './exit-codes.ts';
import type { Progress } from './progress.ts';

export const REPORT_USAGE = `Usage:
  reachwatch report --from <date|instant> --to <date|instant> [--center <id>]... [--region <region>] [--kind <kind>]
                    [--granularity day|week|month] [--format json|csv|html] [--excel] [--sep ,|;|tab] [--lang ru|kk|en] [--out <file>]
  reachwatch report --thesis-table --date <YYYY-MM-DD> [--until <YYYY-MM-DD>] [--center <id>]... [--region <region>]
                    [--kind <kind>] [--format json|csv|html] [--excel] [--sep ,|;|tab] [--lang ru|kk|en] [--out <file>]

  --from, --to     a date (a whole local day in the default time zone; --to includes its day), an ISO 8601
                   date-time with its offset (2026-01-01T00:00:00+05:00), or epoch milliseconds; at most two years
  --granularity    buckets of the report (default month), cut at local midnight in the default time zone
  --format         json (default), csv (one row per center, channel and period) or html (printable)
  --excel          CSV for spreadsheets: UTF-8 byte-order mark, CRLF, digit-only text kept as text, and ";"
                   with decimal commas for --lang ru or kk (implies --format csv)
  --sep <s>        CSV separator: "," (default), ";" or tab
  --thesis-table   the 2018 thesis's Appendix 1 for a day or a few: name, address/region with the contacts, accessibility
  --date, --until  the thesis table's day, or its first and last day (both included, --until at most 31 days after
                   --date), each center's own local days
`;

const FLAGS = {
  from: { type: 'string' },
  to: { type: 'string' },
  center: { type: 'string', multiple: true },
  region: { type: 'string' },
  kind: { type: 'string' },
  granularity: { type: 'string' },
  format: { type: 'string' },
  lang: { type: 'string' },
  excel: { type: 'boolean' },
  sep: { type: 'string' },
  out: { type: 'string' },
  'thesis-table': { type: 'boolean', default: false },
  date: { type: 'string' },
  until: { type: 'string' },
} as const;

/** Exit codes: 0 written; 66 no database; 64 bad usage (the message names the flag). `env`: the process's unless given. */
export async function runReportCommand(
  args: string[],
  env?: EnvSource,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  progress?: Progress,
): Promise<number> {
  const usage = (message: string): number => {
    err.write(`reachwatch report: ${message}\n\n${REPORT_USAGE}`);
    return EXIT.usage;
  };
  let parsed;
  try {
    parsed = parseArgs({ args, options: FLAGS, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util names the flag ("Unknown option '--form'", "Option '--from <value>' argument missing").
    return usage(e instanceof Error ? e.message : String(e));
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 0) return usage(`unexpected argument "${positionals[0]}"; every value follows its flag, e.g. --center ${positionals[0]}`);
  const thesis = v['thesis-table'];
  const misplaced = thesis
    ? (['from', 'to', 'granularity'] as const).find((k) => v[k] !== undefined)
    : (['date', 'until'] as const).find((k) => v[k] !== undefined);
  if (misplaced) return usage(thesis ? `--${misplaced} is for availability reports; the thesis table takes --date (and --until)` : `--${misplaced} goes with --thesis-table; an availability report takes --from and --to`);

  const config = loadConfig(env);
  const settings = reportSettingsFrom(config);
  const flag = (p: string) => `--${p}`;
  let params;
  try {
    params = thesis ? parseThesisParams({ ...v }) : parseAvailabilityParams({ ...v }, settings);
  } catch (e) {
    if (e instanceof ReportInputError) return usage(`${flag(e.param)} ${e.describe(flag)}`);
    throw e;
  }

  const dir = config.dataDir;
  if (!existsSync(path.join(dir, DB_FILE_NAME))) {
    err.write(`reachwatch report: no database in ${dir} (set REACHWATCH_DATA_DIR or data_dir in the config file).\n`);
    return EXIT.noInput;
  }
  const db = openDatabase(dir, { readonly: true });
  let text: string;
  let what: string;
  // The report is built in one synchronous pass over the rollups: the line says what is being done
  // while it runs, and is cleared before the result.
  progress?.update(`report: reading the rollups of ${dir}`, 0, null, true);
  try {
    if ('date' in params.query) {
      const table = buildThesisTable(db, params.query, settings);
      text = renderThesis(table, params.format, { csv: params.csv });
      what = `the table for ${table.until === table.date ? table.date : `${table.date} to ${table.until}`} (${table.rows.length} centers)`;
    } else {
      const report = buildAvailabilityReport(db, params.query, settings, { onProgress: (done, total) => progress?.update('report: rollups', done, total) });
      text = renderAvailability(report, params.format, { csv: params.csv });
      what = `the availability report ${report.period.from} – ${report.period.to} (${report.centers.length} centers, ${report.buckets.length} ${report.period.granularity} buckets)`;
    }
  } catch (e) {
    if (e instanceof UnknownCenterError) return usage(`--center: ${e.message}`);
    if (e instanceof ReportInputError) return usage(`${flag(e.param)} ${e.describe(flag)}`);
    throw e;
  } finally {
    db.close();
    progress?.done();
  }
  if (v.out !== undefined) {
    writeFileSync(v.out, text);
    out.write(`Wrote ${what} to ${v.out} (${params.format}).\n`);
  } else {
    out.write(text);
  }
  return 0;
}
