// `reachwatch report` as an auditor runs it: through the package's bin, on the database of the
// configured data dir, opened read-only while another connection (as the daemon's would) holds it
// open in WAL mode.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { AvailabilityReport } from '../../src/reports/report-types.ts';
import type { ThesisTable } from '../../src/reports/thesis-table.ts';
import { runBin, writeConfig } from '../helpers/daemon.ts';
import { mapLimited } from '../helpers/pool.ts';
import { tempDir } from '../helpers/tmp.ts';
import { csvRecords } from './csv.ts';
import { CONFIG_YAML, dataDirOf, REGISTRY, writeHistory, type History } from './history.ts';

let dir: string;
let env: Record<string, string>;
let h: History;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  h = await writeHistory(dataDirOf(dir), dir);
  writeFileSync(path.join(dir, 'centers.yaml'), REGISTRY);
  const config = writeConfig(dir, `registry: {file: centers.yaml, watch: false}\n${CONFIG_YAML}`);
  env = { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: dataDirOf(dir) };
}, 30_000);

afterAll(async () => {
  await h?.stop();
  h?.db.close();
  cleanup?.();
});

const run = (args: string[], extraEnv: Record<string, string> = {}) => runBin(args, { ...env, ...extraEnv });

test('an availability report as JSON on stdout, read-only beside an open writer', async () => {
  const before = h.db.prepare('SELECT COUNT(*) AS n FROM probes').get();
  const r = await run(['report', '--from', '2026-03-02', '--to', '2026-03-15', '--granularity', 'week', '--center', 'alpha', '--center', 'gamma']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const report = JSON.parse(r.stdout) as AvailabilityReport;
  expect(report.period).toMatchObject({ from: '2026-03-01T19:00:00.000Z', to: '2026-03-15T19:00:00.000Z', timeZone: 'Asia/Almaty' });
  expect(report.centers.map((c) => c.id)).toEqual(['alpha', 'gamma']);
  // Hand-computed in availability.test.ts; the config's rules (confirmations 1) are the report's.
  expect(report.centers[0]?.total).toMatchObject({ probes: 19, availability: 9 / 16, callingHours: { availability: 6 / 11 } });
  expect(report.centers[1]?.total.availability).toBeNull();
  expect(report.rules).toMatchObject({ confirmations: 1, timeZone: 'Asia/Almaty' });
  expect(h.db.prepare('SELECT COUNT(*) AS n FROM probes').get()).toEqual(before);
});

test('CSV and HTML to a file, in Russian', async () => {
  const csvFile = path.join(dir, 'q1.csv');
  const r = await run(['report', '--from', '2026-03-02', '--to', '2026-03-15', '--format', 'csv', '--out', csvFile]);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Wrote the availability report 2026-03-01T19:00:00.000Z – 2026-03-15T19:00:00.000Z \(3 centers, 1 month buckets\) to .*q1\.csv \(csv\)\.\n$/);
  const { records } = csvRecords(readFileSync(csvFile, 'utf8'));
  // One month bucket plus the total, for 3 centers and 4 channels: 2 × 7 rows.
  expect(records).toHaveLength(14);
  expect(records.find((x) => x.center_id === 'alpha' && x.level === 'center' && x.period === 'total')).toMatchObject({ center_name: 'Alpha "Hope", Almaty', availability: '0.5625' });
  const html = await run(['report', '--from', '2026-03-02', '--to', '2026-03-15', '--format', 'html', '--lang', 'ru', '--region', 'Akmola Region']);
  expect(html.status).toBe(0);
  expect(html.stdout).toContain('<html lang="ru">');
  expect(html.stdout).toContain('Как считаются показатели');
  expect(html.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Beta');
  expect(html.stdout).not.toMatch(/<script/i);
});

test('the thesis-shaped table for a day', async () => {
  const json = await run(['report', '--thesis-table', '--date', '2026-03-03']);
  expect(json.status).toBe(0);
  const t = JSON.parse(json.stdout) as ThesisTable;
  expect(t.rows[0]?.accessibility).toEqual(['Accessibility: dark', 'Website https://alpha.example.kz/: unavailable (2), failure on our side (1)', 'Phone +7 727 261 95 80: no answer (1)']);
  const csv = await run(['report', '--thesis-table', '--date', '2026-03-03', '--format', 'csv', '--lang', 'ru', '--kind', 'hotline']);
  expect(csv.status).toBe(0);
  expect(csvRecords(csv.stdout).records.map((x) => [x.name, x.accessibility])).toEqual([['<script>alert(1)</script> Beta', 'Доступность: доступен\nСайт https://beta.example.kz/: отвечает (1)']]);
});

test('the thesis-shaped table over two days (--until), to a file', async () => {
  const file = path.join(dir, 'round.json');
  const r = await run(['report', '--thesis-table', '--date', '2026-03-04', '--until', '2026-03-05', '--center', 'alpha', '--out', file]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(`Wrote the table for 2026-03-04 to 2026-03-05 (1 centers) to ${file} (json).\n`);
  const t = JSON.parse(readFileSync(file, 'utf8')) as ThesisTable;
  expect(t).toMatchObject({ date: '2026-03-04', until: '2026-03-05', title: 'Accessibility of the centers from 2026-03-04 to 2026-03-05' });
  // The phone: no_answer on Wed 03-04 and reachable on Thu 03-05, both counted; the website only answered on Wednesday.
  expect(t.rows[0]?.accessibility).toEqual(['Accessibility: reachable', 'Website https://alpha.example.kz/: answers (1)', 'Phone +7 727 261 95 80: answers (1), no answer (1)']);
});

test('bad usage: exit 64 (EX_USAGE) with a message naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['report', '--to', '2026-03-15'], /--from is required/],
    [['report', '--from', 'yesterday', '--to', '2026-03-15'], /--from must be a date \(YYYY-MM-DD.*not "yesterday"/],
    [['report', '--from', '2026-03-15', '--to', '2026-03-02'], /--from must be earlier than --to/],
    [['report', '--from', '2023-01-01', '--to', '2026-03-02'], /--to must be at most two years \(731 days\) after --from/],
    [['report', '--from', '2026-03-02', '--to', '2026-03-15', '--granularity', 'year'], /--granularity must be day, week or month, not "year"/],
    [['report', '--from', '2026-03-02', '--to', '2026-03-15', '--format', 'pdf'], /--format must be json, csv or html/],
    [['report', '--from', '2026-03-02', '--to', '2026-03-15', '--center', 'nowhere'], /--center: No center with id "nowhere"/],
    [['report', '--form', '2026-03-02'], /Unknown option '--form'/],
    [['report', '--from'], /--from/],
    [['report', '--thesis-table'], /--date is required/],
    [['report', '--thesis-table', '--date', '2026-03-03', '--from', '2026-03-01'], /--from is for availability reports/],
    [['report', '--date', '2026-03-03'], /--date goes with --thesis-table/],
    [['report', '--thesis-table', '--date', '2026-03-03', '--until', '2026-03-02'], /--until must not be before --date: "2026-03-02" is before "2026-03-03"/],
    [['report', '--thesis-table', '--date', '2026-03-03', '--until', '2026-04-04'], /--until must be at most 31 days after --date: "2026-04-04" is 32 days after "2026-03-03"/],
    [['report', '--thesis-table', '--date', '2026-03-03', '--until', '4 March'], /--until must be a calendar date written YYYY-MM-DD, not "4 March"/],
    [['report', '--from', '2026-03-02', '--to', '2026-03-15', '--until', '2026-03-04'], /--until goes with --thesis-table/],
    [['report', 'alpha'], /unexpected argument "alpha"/],
  ];
  // Seventeen CLI processes, two at a time (the machine has two cores): one after another, each start
  // taking seconds on a busy machine, they needed minutes.
  const results = await mapLimited(cases, 2, ([args]) => run(args));
  cases.forEach(([args, message], i) => {
    const r = results[i] as Awaited<ReturnType<typeof run>>;
    expect(r.status, args.join(' ')).toBe(64); // EX_USAGE (was 2, which also meant "a channel is down")
    expect(r.stderr, args.join(' ')).toMatch(message);
    expect(r.stderr).toContain('Usage:');
    expect(r.stdout).toBe('');
  });
}, 180_000);

test('no database in the data dir: exit 66 (EX_NOINPUT), saying where it looked', async () => {
  const empty = path.join(dir, 'nothing-here');
  const r = await run(['report', '--from', '2026-03-02', '--to', '2026-03-15'], { REACHWATCH_DATA_DIR: empty });
  expect(r.status).toBe(66);
  expect(r.stderr).toContain(`no database in ${empty}`);
});

test('the usage text lists the command', async () => {
  const overview = await run(['help']);
  expect(overview.stdout).toMatch(/^ {2}report +availability report, or the 2018 thesis table/m);
  const r = await run(['help', 'report']);
  expect(r.stdout).toContain('reachwatch report --from <date|instant> --to <date|instant>');
  expect(r.stdout).toContain('reachwatch report --thesis-table --date <YYYY-MM-DD> [--until <YYYY-MM-DD>]');
  const own = await run(['report', '--help']);
  expect(own.stdout).toContain('--thesis-table --date <YYYY-MM-DD> [--until <YYYY-MM-DD>]');
  expect(own.stdout).toMatch(/--date, --until +the thesis table's day, or its first and last day \(both included, --until at most 31 days after/);
});

// Issue 18: long work shows progress on a terminal, on stderr, and nothing in a pipe (the runs above:
// stderr is empty). Here stderr is a terminal: the rollups read are counted, the line is cleared
// before the result, and stdout carries the report alone.
test('on a terminal the report draws a progress line on stderr and clears it; stdout is the report alone', async () => {
  const { runReportCommand } = await import('../../src/cli/report.ts');
  const { Progress } = await import('../../src/cli/progress.ts');
  const { Writable } = await import('node:stream');
  const sink = () => {
    let text = '';
    const w = new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) });
    return Object.assign(w, { text: () => text });
  };
  const out = sink();
  const err = sink();
  const code = await runReportCommand(['--from', '2026-03-02', '--to', '2026-03-15', '--granularity', 'day'], env, out, err, new Progress({ stream: err, isTTY: true, intervalMs: 0 }));
  expect(code).toBe(0);
  expect(err.text()).toMatch(/\rreport: rollups \[#+-*\] \d+% \d+\/\d+/);
  expect(err.text()).toMatch(/\r +\r$/);
  expect((JSON.parse(out.text()) as AvailabilityReport).report).toBe('availability');
});
