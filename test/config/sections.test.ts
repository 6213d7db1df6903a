// Each config section validates itself beside its owner: a bad value in one section is one problem
// naming the file, the line and the key, and the other sections are untouched by it. Each section's
// parser also works on its own, with nothing but a context to report into.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { parseAlertsSection, parseCentersSection, parseMaintenanceSection } from '../../src/alerts/config.ts';
import { parseHttpSection } from '../../src/api/config.ts';
import { parseBoardSection } from '../../src/board/config.ts';
import { parseCallingLimits } from '../../src/calling/config.ts';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config/config.ts';
import { readEnv } from '../../src/config/env.ts';
import { parseDefaultTimezone, parseLogSection } from '../../src/config/general.ts';
import type { Obj, SectionContext } from '../../src/config/section.ts';
import { parseTelephonySection, parseTwilioEnv } from '../../src/probers/phone/config.ts';
import { parseWebsiteSection } from '../../src/probers/website/config.ts';
import { parseRegistrySection } from '../../src/registry/config.ts';
import { parseSchedulerSection } from '../../src/scheduler/config.ts';
import { parseCanariesSection } from '../../src/selfcheck/config.ts';
import { parseStatusSection } from '../../src/status/config.ts';
import { parseDataDir, parseStoreSection } from '../../src/store/config.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  const file = path.join(t.dir, `s-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    loadConfig(env, file);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.replace(file, 'FILE'));
    throw err;
  }
}

// A valid section first, so the bad key is on line 3 (or 4) and not on the first line by luck.
const cases: { section: string; yaml: string; line: number; key: string; says: string }[] = [
  { section: 'http', yaml: 'http:\n  host: 127.0.0.1\n  port: 70000\n', line: 3, key: 'http.port', says: 'whole number from 0 to 65535' },
  { section: 'data_dir', yaml: 'http: {}\ndata_dir: [a]\n', line: 2, key: 'data_dir', says: 'must be a folder path' },
  { section: 'registry', yaml: 'registry:\n  file: centers.yaml\n  watch: sometimes\n', line: 3, key: 'registry.watch', says: 'true or false' },
  { section: 'log', yaml: 'http: {}\nlog:\n  level: loud\n', line: 3, key: 'log.level', says: 'must be one of fatal' },
  { section: 'scheduler', yaml: 'scheduler:\n  concurrency: 8\n  jitter: later\n', line: 3, key: 'scheduler.jitter', says: 'duration' },
  { section: 'website', yaml: 'website:\n  slow: 2s\n  max_redirects: 99\n', line: 3, key: 'website.max_redirects', says: 'from 0 to 30' },
  { section: 'status', yaml: 'http: {}\nstatus:\n  confirmations: 0\n', line: 3, key: 'status.confirmations', says: 'from 1 to 100' },
  { section: 'canaries', yaml: 'canaries:\n  max_age: 15s\n  urls: [ftp://x.kz]\n', line: 3, key: 'canaries.urls.0', says: 'not an http(s) URL' },
  { section: 'store', yaml: 'store:\n  batch_max_rows: 10\n  retention: 7d\n', line: 3, key: 'store.retention', says: 'at least 62d' },
  { section: 'default_timezone', yaml: 'http: {}\ndefault_timezone: Mars/Olympus\n', line: 2, key: 'default_timezone', says: 'not an IANA time zone' },
  { section: 'telephony', yaml: 'telephony:\n  methods: [call]\n  min_slots: 99\n', line: 3, key: 'telephony.min_slots', says: 'from 1 to 14' },
  { section: 'telephony (calling limits)', yaml: 'telephony:\n  methods: [call]\n  calling_hours: {days: [1], from: "18:00", to: "09:00"}\n', line: 3, key: 'telephony.calling_hours', says: 'from before to' },
  { section: 'centers', yaml: 'centers:\n  dark_after: 5m\n  sweep_interval: often\n', line: 3, key: 'centers.sweep_interval', says: 'duration' },
  { section: 'board', yaml: 'board:\n  directory_days: 30\n  page_size: 1\n', line: 3, key: 'board.page_size', says: 'from 5 to 1000' },
  { section: 'alerts', yaml: 'alerts:\n  reminder: 24h\n  board_url: board.example.kz\n', line: 3, key: 'alerts.board_url', says: 'http(s) address' },
  { section: 'maintenance', yaml: 'http: {}\nmaintenance:\n  - {center: alpha, from: "2026-12-31T00:00+06:00", to: "2027-01-03T00:00+06:00", reason: ""}\n', line: 3, key: 'maintenance.0.reason', says: 'say why' },
];

test.each(cases)('$section: a bad value is one problem naming the file, line $line and $key', ({ yaml, line, key, says }) => {
  const problems = problemsOf(yaml);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(new RegExp(`^FILE:${line} ${key.replace(/\./g, '\\.')}: `));
  expect(problems[0]).toContain(says);
});

test('an unknown key is named with its line in every section that is a mapping', () => {
  for (const section of ['http', 'registry', 'log', 'scheduler', 'website', 'status', 'canaries', 'store', 'telephony', 'centers', 'board', 'alerts']) {
    const problems = problemsOf(`${section}:\n  colour: red\n`);
    expect(problems, section).toHaveLength(1);
    expect(problems[0], section).toMatch(new RegExp(`^FILE:2 ${section}\\.colour: unknown key "colour"`));
  }
});

test('problems in several sections are all reported at once', () => {
  const problems = problemsOf('http:\n  port: -1\nstore:\n  flush_interval: never\nboard:\n  page_size: 1\n');
  expect(problems.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['FILE:2 http.port', 'FILE:4 store.flush_interval', 'FILE:6 board.page_size']);
});

function ctx(env: Record<string, string> = {}): SectionContext {
  return { env: readEnv(env), where: (k) => k.join('.'), problems: [], baseDir: t.dir };
}

test('each section parses on its own: its defaults for an empty file, one problem for one bad value', () => {
  const parsers: [string, (raw: Obj, c: SectionContext) => unknown, unknown, Obj][] = [
    ['http', parseHttpSection, DEFAULTS.http, { http: { body_limit: 1 } }],
    ['registry', parseRegistrySection, DEFAULTS.registry, { registry: { watch: 1 } }],
    ['log', parseLogSection, DEFAULTS.log, { log: { level: 'loud' } }],
    ['scheduler', parseSchedulerSection, DEFAULTS.scheduler, { scheduler: { defaults: { sms: '1h' } } }],
    ['website', parseWebsiteSection, DEFAULTS.website, { website: { resolve: { 'a.kz': 'nowhere' } } }],
    ['status', parseStatusSection, DEFAULTS.status, { status: { confirmations: 1.5 } }],
    ['canaries', parseCanariesSection, DEFAULTS.canaries, { canaries: { urls: 'https://x.kz' } }],
    ['store', parseStoreSection, DEFAULTS.store, { store: { flush_interval: '1s', stall_after: '1s' } }],
    ['telephony', parseTelephonySection, DEFAULTS.telephony, { telephony: { kazakh_prompt_audio: 'prompt.mp3' } }],
    ['calling limits', (raw, c) => parseCallingLimits((raw.telephony ?? {}) as Obj, c), {}, { telephony: { per_number: 3 } }],
    ['board', parseBoardSection, DEFAULTS.board, { board: { directory_days: 0 } }],
    ['centers', (raw, c) => parseCentersSection(raw.centers, c), DEFAULTS.centers, { centers: { dark_after: 'soon' } }],
    ['alerts', (raw, c) => parseAlertsSection(raw.alerts, c), DEFAULTS.alerts, { alerts: { retry: [] } }],
    ['maintenance', (raw, c) => parseMaintenanceSection(raw.maintenance, c), DEFAULTS.maintenance, { maintenance: {} }],
    ['default_timezone', parseDefaultTimezone, DEFAULTS.defaultTimezone, { default_timezone: 'Nowhere/City' }],
    ['data_dir', parseDataDir, DEFAULTS.dataDir, { data_dir: 42 }],
  ];
  for (const [name, parse, dflt, bad] of parsers) {
    const empty = ctx();
    const value = parse({}, empty);
    expect(empty.problems, name).toEqual([]);
    if (name !== 'calling limits') expect(value, name).toEqual(dflt);
    const c = ctx();
    parse(bad, c);
    expect(c.problems, name).toHaveLength(1);
  }
});

test('the environment is a section too: PORT, HOST, LOG_LEVEL, REACHWATCH_TWILIO_TIMEOUT are checked where they are used', () => {
  expect(problemsOf('{}\n', { PORT: 'eighty' })).toEqual(['PORT=eighty is not a port number (0-65535).']);
  expect(problemsOf('{}\n', { LOG_LEVEL: 'loud' })).toHaveLength(1);
  const c = ctx({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', REACHWATCH_TWILIO_FROM: '+15005550006', REACHWATCH_PUBLIC_URL: 'https://rw.example.kz/' });
  expect(parseTwilioEnv(c)).toEqual({
    settings: { accountSid: 'AC1', authToken: 't', from: '+15005550006', publicUrl: 'https://rw.example.kz', baseUrl: null, requestTimeoutMs: 30_000 },
    missing: [],
  });
  expect(parseTwilioEnv(ctx({ TWILIO_ACCOUNT_SID: 'AC1' })).missing).toEqual(['TWILIO_AUTH_TOKEN', 'REACHWATCH_TWILIO_FROM', 'REACHWATCH_PUBLIC_URL']);
  const h = ctx({ PORT: '9000', HOST: '0.0.0.0' });
  expect(parseHttpSection({ http: { port: 1, host: 'x' } }, h)).toMatchObject({ port: 9000, host: '0.0.0.0' });
  const empty = path.join(t.dir, 'empty.yaml');
  writeFileSync(empty, '{}\n');
  expect(loadConfig({ REACHWATCH_OPERATOR_TOKEN: 'op' }, empty).auth.operatorToken).toBe('op');
  expect(loadConfig({}, empty).auth.operatorToken).toBeNull();
});
