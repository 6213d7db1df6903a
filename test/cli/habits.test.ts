// Issue 18, item 2: the CLI's habits. One table of commands with help for each, kept in docs/cli.md;
// --version; exit codes that tell misuse (64) from "a probed channel is down" (2) from "our side
// failed" (69 and the other sysexits); a progress line on a terminal only; a test alert through the
// real outbox; readable logs on a terminal and JSON elsewhere.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { EXIT, EXIT_MEANINGS } from '../../src/cli/exit-codes.ts';
import { runCli } from '../../src/cli/main.ts';
import { Progress } from '../../src/cli/progress.ts';
import { buildConfig, ConfigError } from '../../src/config/config.ts';
import { createLogger, formatLogLine } from '../../src/log.ts';
import { openDatabase } from '../../src/store/db.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../simulators/receivers/webhook-receiver.ts';
import { page, refusedPort, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { BIN, NODE, runBin, writeConfig } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A writable that keeps what it was given; `isTTY` as a terminal's would be. */
function sink(isTTY = false): Writable & { text: () => string; isTTY: boolean } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _e, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as Writable & { text: () => string; isTTY: boolean };
  w.text = () => chunks.join('');
  w.isTTY = isTTY;
  return w;
}

async function cli(args: string[], opts: { isTTY?: boolean } = {}) {
  const out = sink();
  const err = sink(opts.isTTY);
  const code = await runCli(args, out, err, opts.isTTY !== undefined ? { isTTY: opts.isTTY } : {});
  return { code, out: out.text(), err: err.text() };
}

let dir: string;
let cleanup: () => void;
let db: string;

beforeAll(() => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  // A database with a few chained records, for verify, backup and export.
  const d = openDatabase(path.join(dir, 'data'));
  d.close();
  db = path.join(dir, 'data', 'reachwatch.db');
});
afterAll(() => cleanup());

describe('help, from one table', () => {
  test('every command has help, shown by `help <command>` and `<command> --help` alike, and is in docs/cli.md', async () => {
    const doc = readFileSync('docs/cli.md', 'utf8');
    const overview = await cli(['help']);
    expect(overview.code).toBe(0);
    for (const c of COMMANDS) {
      expect(c.help.length, c.name).toBeGreaterThan(20);
      expect(c.help, c.name).toMatch(new RegExp(`reachwatch ${c.name}\\b`));
      const a = await cli(['help', c.name]);
      const b = await cli([c.name, '--help']);
      expect(a, c.name).toEqual({ code: 0, out: c.help, err: '' });
      expect(b, c.name).toEqual({ code: 0, out: c.help, err: '' });
      expect(overview.out, c.name).toMatch(new RegExp(`^ {2}${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect(doc, `docs/cli.md names "reachwatch ${c.name}"`).toMatch(new RegExp(`reachwatch ${c.name}\\b`));
    }
  });

  test('docs/cli.md lists every exit code with the meaning help exit-codes gives', async () => {
    const doc = readFileSync('docs/cli.md', 'utf8');
    const table = doc.slice(doc.indexOf('## Exit codes'));
    for (const [code] of EXIT_MEANINGS) expect(table, `code ${code}`).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    const help = await cli(['help', 'exit-codes']);
    for (const [code, meaning] of EXIT_MEANINGS) expect(help.out).toContain(`${String(code).padStart(2)}  ${meaning}`);
  });

  test('--version gives the package version and Node\'s', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V', 'version']) {
      expect(await cli([flag])).toEqual({ code: 0, out: `reachwatch ${pkg.version} (Node.js ${process.version})\n`, err: '' });
    }
  });
});

describe('exit codes say whose failure it was', () => {
  test('misuse is 64, with the message naming what is wrong: an unknown command, flag or subcommand, a missing argument', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [[], /Usage: reachwatch <command>/],
      [['help', 'frobnicate'], /no command "frobnicate"/],
      [['verify', '--bogus', '--db', 'x'], /Unknown option '--bogus'/],
      [['verify', '--workers', 'many', '--db', 'x'], /--workers must be a whole number/],
      [['export', '--from', '2026-01-01', '--db', 'x'], /--to is required/],
      [['alerts'], /name a subcommand: alerts test <subscription-id>/],
      [['alerts', 'send', 'x'], /unknown subcommand "send"/],
      [['alerts', 'test', 'a', '--wait', 'forever'], /--wait must be a duration/],
      [['check'], /name at least one center or channel id/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(EXIT.usage);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err, args.join(' ')).not.toMatch(/\n\s+at /); // no stack trace for a user's mistake
    }
  });

  test('no database is 66; a file that is not a database is 65; a backup onto an existing file is 73', async () => {
    const none = await cli(['verify', '--db', path.join(dir, 'nowhere.db')]);
    expect(none).toMatchObject({ code: EXIT.noInput });
    expect(none.err).toMatch(/no database at .*nowhere\.db/);
    const junk = path.join(dir, 'junk.db');
    writeFileSync(junk, 'this is not SQLite, just text long enough to have a header of its own.'.repeat(20));
    const notDb = await cli(['verify', '--db', junk]);
    expect(notDb.code).toBe(EXIT.dataErr);
    expect(notDb.err).toMatch(/not a reachwatch database/);
    expect(notDb.err).not.toMatch(/\n\s+at /);
    const exists = await cli(['backup', junk, '--db', db]);
    expect(exists.code).toBe(EXIT.cantCreate);
    expect(exists.err).toMatch(/exists; choose a new file/);
  });
});

describe('check: a center down (2) is not our failure (69)', () => {
  let site: LoopbackSite;
  let config: string;
  beforeAll(async () => {
    site = await startSite({ routes: { 'open.example.kz/*': page('<title>Open</title>'), 'gone.example.kz/*': page('gone', { status: 410 }), 'canary.test/*': page('ok') } });
    const dead = await refusedPort();
    writeFileSync(
      path.join(dir, 'centers.yaml'),
      `- id: open\n  name: Open\n  kind: hotline\n  channels:\n    - {type: website, value: "${site.url('open.example.kz')}"}\n` +
        `- id: gone\n  name: Gone\n  kind: hotline\n  channels:\n    - {type: website, value: "${site.url('gone.example.kz')}"}\n` +
        `- id: unreachable\n  name: Unreachable\n  kind: hotline\n  channels:\n    - {type: website, value: "http://dead.example.kz:${dead}/"}\n`,
    );
    // The canary is dead too: a refused connection to the center is then our network's failure.
    config = writeConfig(
      dir,
      `registry: {file: centers.yaml}\ncanaries: {urls: ["http://canary.invalid:${dead}/"]}\nwebsite: {resolve: {open.example.kz: 127.0.0.1, gone.example.kz: 127.0.0.1, dead.example.kz: 127.0.0.1, canary.invalid: 127.0.0.1}}\n`,
    );
  });
  afterAll(async () => site?.close());
  const run = (args: string[]) => runBin(args, { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: path.join(dir, 'data') });

  test('reachable: 0; a center\'s site answering 410: 2; unreachable while our canary fails too: 69, and no center is called down', async () => {
    const [ok, down, ours] = await Promise.all([run(['check', 'open']), run(['check', 'gone']), run(['check', 'unreachable'])]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(down.status, down.stderr).toBe(2);
    expect(down.stdout).toMatch(/closed\s+http_410/);
    expect(ours.status, ours.stdout + ours.stderr).toBe(69);
    expect(ours.stdout).toMatch(/\berror\s+our_network\b/);
  }, 120_000);
});

describe('progress on a terminal, quiet elsewhere', () => {
  test('the writer draws one line with carriage returns on a TTY, clears it, and writes nothing in a pipe or with quiet', () => {
    let t = 0;
    const tty = sink(true);
    const p = new Progress({ stream: tty, now: () => (t += 200) });
    p.update('export: probes.ndjson', 5000, null);
    p.update('verify', 1, 3);
    p.done();
    expect(tty.text()).toMatch(/^\rexport: probes\.ndjson 5,000\rverify \[#{8}-{16}\] 33% 1\/3\r +\r$/);
    for (const [stream, quiet] of [[sink(false), false], [sink(true), true]] as const) {
      const q = new Progress({ stream, quiet, now: () => (t += 200) });
      q.update('verify', 1, 3);
      q.done();
      expect(stream.text()).toBe('');
    }
  });

  test('verify draws progress on stderr of a terminal and keeps stdout the result; --quiet and a pipe draw none', async () => {
    const tty = await cli(['verify', '--db', db], { isTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/\rverify: probes done/);
    expect(tty.out).not.toContain('\r');
    expect(tty.out).toMatch(/^ok {4}probes: 0 records/m);
    expect((await cli(['verify', '--db', db, '--quiet'], { isTTY: true })).err).toBe('');
    expect((await cli(['verify', '--db', db], { isTTY: false })).err).toBe('');
  });

  test('through the bin on a real pseudo-terminal (script -qc): progress drawn; in a pipe: none', () => {
    const cmd = `${NODE} ${BIN} backup ${path.join(dir, 'copy.db')} --db ${db}`;
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(tty.status, tty.stdout + tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(/\rbackup: pages \[[#-]{24}\] \d+%/);
    expect(tty.stdout).toMatch(/backup written to/);
    const piped = spawnSync(NODE, [BIN, 'backup', path.join(dir, 'copy2.db'), '--db', db], { encoding: 'utf8', timeout: 60_000 });
    expect(piped.status).toBe(0);
    expect(piped.stdout + piped.stderr).not.toContain('\r');
  }, 120_000);
});

describe('logs: readable on a terminal, JSON elsewhere', () => {
  const capture = (isTTY: boolean, format?: 'auto' | 'json' | 'pretty') => {
    const s = sink(isTTY);
    const log = createLogger({ level: 'info', destination: s, ...(format ? { format } : {}) });
    log.warn({ center: 'nur-mura', twilio: { authToken: 'secret-1' } }, 'probe failed');
    return s.text();
  };

  test('auto: a terminal gets one readable line (secrets still redacted), anything else JSON; json and pretty force', () => {
    const pretty = capture(true);
    expect(pretty).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} \u001b\[33mWARN \u001b\[0m probe failed {2}center=nur-mura twilio=\{"authToken":"\[redacted\]"\}\n$/);
    expect(JSON.parse(capture(false))).toMatchObject({ msg: 'probe failed', center: 'nur-mura', twilio: { authToken: '[redacted]' } });
    expect(capture(true) + capture(false)).not.toContain('secret-1');
    expect(JSON.parse(capture(true, 'json'))).toMatchObject({ msg: 'probe failed' });
    expect(capture(false, 'pretty')).toMatch(/^\S+ WARN {2}probe failed {2}center=nur-mura/);
  });

  test('an error keeps its stack beneath the line', () => {
    const line = formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'boom', err: { message: 'disk full', stack: 'Error: disk full\n    at write (x.ts:1:1)' } }));
    expect(line).toMatch(/ERROR boom {2}err="disk full"\n {4}Error: disk full\n {8}at write/);
  });

  test('REACHWATCH_LOG_FORMAT and log.format are checked and named when wrong', () => {
    const cfg = (raw: Record<string, unknown>, env: Record<string, string>) => buildConfig(raw, env, null, (k) => k.join('.'), dir);
    expect(cfg({}, { REACHWATCH_LOG_FORMAT: 'pretty' }).log.format).toBe('pretty');
    expect(cfg({ log: { format: 'json' } }, {}).log.format).toBe('json');
    expect(() => cfg({}, { REACHWATCH_LOG_FORMAT: 'fancy' })).toThrow(/REACHWATCH_LOG_FORMAT=fancy is not a log format; use one of auto, json, pretty/);
    expect(() => cfg({ log: { format: 'xml' } }, {})).toThrow(ConfigError);
  });
});

describe('alerts test <subscription>', () => {
  let ok: WebhookReceiver;
  let refusing: WebhookReceiver;
  let config: string;
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  beforeAll(async () => {
    ok = await startWebhookReceiver({ secret: SECRET });
    refusing = await startWebhookReceiver({ secret: SECRET });
    refusing.respondWith(() => ({ status: 400 }));
    writeFileSync(path.join(dir, 'empty.yaml'), '[]\n');
    config = writeConfig(
      path.join(dir),
      `registry: {file: empty.yaml}\nalerts:\n  webhook: {allow_private_addresses: true}\n  subscriptions:\n` +
        `    - {id: ngo-ok, channel: webhook, url: "${ok.url}", secret: ${SECRET}, language: ru}\n` +
        `    - {id: ngo-refusing, channel: webhook, url: "${refusing.url}", secret: ${SECRET}}\n`,
    );
  });
  afterAll(async () => {
    await ok?.close();
    await refusing?.close();
  });
  const run = (args: string[]) => runBin(args, { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: path.join(dir, 'alerts-data') });

  test('delivered: one signed webhook marked as a test, in the subscriber\'s language, recorded as sent in the outbox', async () => {
    const r = await run(['alerts', 'test', 'ngo-ok']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^delivered: test alert msg_\w+ to ngo-ok \(webhook\): /);
    expect(ok.received).toHaveLength(1);
    expect(ok.received[0]?.verified).toBe(true);
    expect(ok.received[0]?.body).toMatchObject({ type: 'reachwatch.test', data: { test: true } });
    const d = new Database(path.join(dir, 'alerts-data', 'reachwatch.db'), { readonly: true });
    const rows = d.prepare(`SELECT event, status, subscription_id, attempts, message FROM outbox`).all() as { event: string; status: string; attempts: number; message: string }[];
    d.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: 'test', status: 'sent', subscription_id: 'ngo-ok', attempts: 1 });
    expect((JSON.parse(rows[0]?.message ?? '{}') as { subject: string }).subject).toBe('reachwatch: проверочное оповещение');
  }, 60_000);

  test('failed: the receiver refuses it; exit 1, one attempt and no retry; an unknown subscription: 65, naming the ones there are', async () => {
    const r = await run(['alerts', 'test', 'ngo-refusing']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^failed: test alert msg_\w+ to ngo-refusing \(webhook\) was not delivered: .*400/);
    expect(refusing.received).toHaveLength(1);
    const unknown = await run(['alerts', 'test', 'nobody']);
    expect(unknown.status).toBe(65);
    expect(unknown.stderr).toMatch(/no active subscription "nobody"; the active ones are ngo-ok, ngo-refusing/);
  }, 60_000);
});
