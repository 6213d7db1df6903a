// `npm run demo`: the 2018 call experiment replayed on 127.0.0.1 in about two minutes.
//
// The default registry's centers are simulated as the thesis reports they behaved (demo/simulation.ts)
// by the project's own test servers; the real daemon (`src/main.ts`, the real config and registry
// loaders, the real Twilio client) probes them on a fast clock (demo/clock.ts) from Monday 26 March
// 2018, 09:00 in Almaty, to Tuesday noon; its alerts go to a mail catcher. Then the thesis-shaped
// report of the two days is printed beside the 2018 table, row by row. Ctrl-C stops everything.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { LANGUAGES, type Language } from '../src/i18n/languages.ts';
import { esc } from '../src/board/render.ts';
import { DEFAULT_CONFIG_FILE, loadConfig, type Config } from '../src/config/config.ts';
import { silence } from '../src/probers/sip/prompts.ts';
import { silenceMsFor } from '../src/probers/sip/prober.ts';
import { loadRegistry } from '../src/registry/load.ts';
import { reportSettingsFrom } from '../src/reports/availability.ts';
import { buildThesisTable } from '../src/reports/thesis-table.ts';
import { openDatabase, type DB } from '../src/store/db.ts';
import { Agents } from '../src/agents/registry.ts';
import { CLOCK_ENV, encodeSegment, installFastClock, realNow, realTimers, type Segment } from './clock.ts';
import { compare, renderHtml, renderText, say, type Comparison } from './compare.ts';
import { demoRegistry } from './registry.ts';
import { EXPERIMENT_FILE, simulate } from './simulation.ts';
import { CANARY_HOST, DEMO_ACCOUNT, DEMO_AUTH_TOKEN, DEMO_CALLER_ID, startWorld, type World } from './world.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Monday 26 March 2018, 09:00 in Almaty (UTC+06 then): calling hours open for the eastern centers. */
const CALLS_OPEN = Date.parse('2018-03-26T03:00:00Z');
/** Tuesday 27 March 2018, 12:00 in Almaty, 11:00 in the western centers (UTC+05): the round is over. */
const REPLAY_END = Date.parse('2018-03-27T06:00:00Z');
/** Monday 19:30 to Tuesday 08:30 in Almaty: no center may be called (18:00 in the western zones); time runs 10× faster still. */
const NIGHT = { from: Date.parse('2018-03-26T13:30:00Z'), to: Date.parse('2018-03-27T02:30:00Z'), factor: 10 };
const DAYS = { from: '2018-03-26', until: '2018-03-27' };
/** Monday 08:30 in Almaty: the daemon starts at real speed (its start-up guards are real), then time speeds up. */
const START = Date.parse('2018-03-26T02:30:00Z');
/** How far ahead a speed change is announced, so every process makes it at the same instant. */
const SWITCH_AHEAD_MS = 300;
const NGO_MAILBOX = 'duty@ngo.example.kz';

const USAGE = `npm run demo -- [--speed N] [--port N] [--lang en|ru|kk] [--data DIR] [--exit]

  --speed N   simulated seconds per real second (default 1000: the two days take about 1.5 minutes)
  --port N    the board's port on 127.0.0.1 (default 8080, or a free one if 8080 is taken)
  --lang L    language of the board link and the NGO's alerts (default en)
  --data DIR  keep the demo's database, config and report in DIR (default: a temporary folder, removed at the end)
  --exit      stop once the report is printed (default: keep the board up until Ctrl-C)`;

interface Options {
  speed: number;
  port: number | null;
  lang: Language;
  data: string | null;
  exit: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      speed: { type: 'string', default: '1000' },
      port: { type: 'string' },
      lang: { type: 'string', default: 'en' },
      data: { type: 'string' },
      exit: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const speed = Number(values.speed);
  if (!Number.isFinite(speed) || speed < 10 || speed > 20_000) fail(`--speed must be a number from 10 to 20000, not "${values.speed}".`);
  const port = values.port === undefined ? null : Number(values.port);
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) fail(`--port must be a port number, not "${values.port}".`);
  if (!(LANGUAGES as readonly string[]).includes(values.lang)) fail(`--lang must be one of ${LANGUAGES.join(', ')}, not "${values.lang}".`);
  return { speed, port, lang: values.lang as Language, data: values.data ?? null, exit: values.exit };
}

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n\n${USAGE}\n`);
  process.exit(64);
}

const opts = options();
const first: Segment = { realAt: realNow(), simAt: START, speed: 1 };
// From here on this process lives in 2018 too: the simulated centers and the daemon share one clock.
const clock = installFastClock(first);

const ALMATY_TIME = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Almaty' });
const when = (t: number) => ALMATY_TIME.format(t);
const out = (line = '') => process.stdout.write(`${line}\n`);

async function listenOn(server: Server, port: number): Promise<number> {
  server.listen(port, '127.0.0.1');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
  return (server.address() as AddressInfo).port;
}

async function pickPort(wanted: number | null): Promise<number> {
  const probe = createServer();
  try {
    const port = await listenOn(probe, wanted ?? 8080);
    probe.close();
    await once(probe, 'close');
    return port;
  } catch (err) {
    if (wanted !== null) fail(`port ${wanted} is taken (${(err as Error).message}).`);
    probe.close();
    return pickPort(0);
  }
}

/** Simulated seconds that are at least two real seconds at the fastest speed of the replay. */
const guardSeconds = () => Math.ceil(Math.max(30, 2 * opts.speed * NIGHT.factor));

/** The daemon's configuration: the shipped defaults, except where the 2018 round or the fast clock needs otherwise. */
function demoConfig(dataDir: string, resolve: Record<string, string>, sitePort: number, smtpPort: number, sipLine: string | null, board: string): Record<string, unknown> {
  // Guards against hung peers are simulated durations too; give each at least two real seconds, so a
  // busy machine cannot make a loopback answer look like a timeout.
  const guard = `${guardSeconds()}s`;
  return {
    data_dir: path.join(dataDir, 'data'),
    registry: { file: 'centers.yaml', watch: false },
    log: { level: 'info' },
    // The round begins on Monday at 09:00 in each center's zone, as the researcher's did; the shipped
    // default (7d) spreads first calls over the week instead. Follow-ups and caps are the defaults'.
    scheduler: { jitter: '30s', defaults: { call: '0 9 * * 1', sip: '0 9 * * 1' } },
    website: { resolve: { ...resolve, [CANARY_HOST]: '127.0.0.1' }, connect_timeout: guard, tls_timeout: guard, headers_timeout: guard, total_timeout: guard },
    canaries: { urls: [`http://${CANARY_HOST}:${sitePort}/`], max_age: '5m', timeout: guard },
    store: { flush_interval: '1m' },
    telephony: {
      // The researcher called each silent center at least three times over the two days: twice a day.
      per_number: { per_day: 2, per_week: 6 },
      time_limit: '10m',
      callback_grace: guard,
    },
    // 114 through the simulated line, which plays 3 real seconds of early media before its 480: the
    // ring timeout (1 simulated hour, 3.6 real seconds by day) lets that through, and the probe's
    // deadline (ring, listen_after_answer and a minute) leaves hours more. Not longer: baresip's
    // silent audio source is a WAV file as long as the ring timeout. baresip's own start is real time
    // whatever the clock (src/probers/sip/baresip.ts). The line costs nothing: at the default price a
    // call counts as its longest answered time, and hours of it would spend the month's cap, shared
    // with the Twilio calls.
    ...(sipLine
      ? { sip: { proxy: sipLine, name: 'demo-line', listen: '127.0.0.1:0', interface: '127.0.0.1', ring_timeout: '1h', listen_after_answer: '2h', price_per_minute: 0 } }
      : {}),
    centers: { sweep_interval: '1m' },
    // One regional agent (vantage point kz, inside the country) probes the websites too, from its own
    // process, as docs/agents.md describes. Its clock is the demo's, so the clock limits only guard
    // against the real milliseconds each request takes; its lease margin and poll are in simulated time
    // (a poll every 2 simulated minutes leases each 5-minute website slot in time, and keeps its requests
    // to the daemon few: the daemon's real milliseconds are the calls' simulated seconds).
    // The per-agent rate limit counts real seconds, which are minutes here: raised to match.
    vantage: { points: { kz: { domestic: true } }, defaults: { website: ['central', 'kz'] }, stale_after: '6h', max_clock_offset: '1h', refuse_clock_offset: '2h', lease_margin: guard, agent_rate: 1000 },
    agent: { central_url: board, data_dir: path.join(dataDir, 'agent'), poll_interval: '2m', request_timeout: guard, stop_grace: guard, concurrency: 8 },
    alerts: {
      send_timeout: guard,
      smtp: { host: '127.0.0.1', port: smtpPort, from: 'reachwatch demo <alerts@reachwatch.demo>' },
      subscriptions: [{ id: 'ngo-demo', channel: 'email', to: NGO_MAILBOX, language: opts.lang }],
    },
  };
}

function inboxPage(world: World, board: string): string {
  const mails = [...mailLog].reverse().map((m) => `<article><h2>${esc(m.mail.subject)}</h2><p><small>${esc(when(m.at))} (Almaty) · to ${esc(m.mail.to.join(', '))}</small></p><pre>${esc(m.mail.text)}</pre></article>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>The NGO's inbox (reachwatch demo)</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;max-width:60rem;color:#1b1f24}article{border-top:1px solid #d0d7de;padding:.5rem 0}h2{font-size:1.05rem;margin:.3rem 0}pre{white-space:pre-wrap;background:#f6f8fa;padding:.6rem}</style></head>
<body><h1>${NGO_MAILBOX}: ${world.smtp.messages.length} alert(s)</h1><p><a href="${esc(board)}">The board</a> · <a href="/report">The 2018 table beside the replay</a></p>${mails.join('\n') || '<p>No alerts yet.</p>'}</body></html>`;
}

const mailLog: { at: number; mail: World['smtp']['messages'][number] }[] = [];
let comparison: Comparison | null = null;
let reportHtml: string | null = null;

async function main(): Promise<void> {
  const registryFile = loadConfig({}, DEFAULT_CONFIG_FILE).registry.file;
  // The demo has a SIP line, so short codes such as 114 get a target, as with a real trunk.
  const registry = loadRegistry(registryFile, { dialsShortCodes: true });
  const { channels: sims, unsimulated } = simulate(registry.centers);
  // Before anything is created, so a taken port leaves nothing behind.
  const port = await pickPort(opts.port);
  const board = `http://127.0.0.1:${port}`;

  const ownDir = opts.data === null;
  const dir = opts.data ?? mkdtempSync(path.join(tmpdir(), 'reachwatch-demo-'));
  mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'daemon.log');
  const agentLog = path.join(dir, 'agent.log');
  let world: World | null = null;
  let daemon: ChildProcess | null = null;
  let agent: ChildProcess | null = null;
  let inbox: Server | null = null;
  let db: DB | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let stopping: Promise<void> | null = null;

  // Every process changes speed at one announced real instant, so they never disagree on the time.
  const announce = (segment: Segment) => {
    if (daemon?.stdin?.writable) daemon.stdin.write(`clock ${encodeSegment(segment)}\n`);
    if (agent?.stdin?.writable) agent.stdin.write(`clock ${encodeSegment(segment)}\n`);
    clock.add(segment);
  };
  const setSpeedSoon = (speed: number) => announce(clock.segmentAt(realNow() + SWITCH_AHEAD_MS, speed));
  /** Runs at simulated `target` exactly: waits until just before it, then announces the switch for it. */
  const setSpeedAt = async (target: number, speed: number) => {
    await wait(target - SWITCH_AHEAD_MS * clock.speedAt(realNow()));
    if (!stopping) announce({ realAt: clock.realOf(target), simAt: target, speed });
  };

  const stop = (code: number) =>
    (stopping ??= (async () => {
      if (ticker) clearInterval(ticker);
      db?.close();
      if (agent && agent.exitCode === null && agent.signalCode === null) {
        setSpeedSoon(1);
        await new Promise((r) => realTimers.setTimeout(r, SWITCH_AHEAD_MS + 50));
        const exited = agent.exitCode === null && agent.signalCode === null ? once(agent, 'exit') : Promise.resolve();
        agent.kill('SIGTERM');
        const force = realTimers.setTimeout(() => agent?.kill('SIGKILL'), 20_000);
        await exited;
        realTimers.clearTimeout(force);
      }
      if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
        // Its shutdown grace is simulated time: at real speed it gets real seconds to finish.
        setSpeedSoon(1);
        await new Promise((r) => realTimers.setTimeout(r, SWITCH_AHEAD_MS + 50));
        const exited = daemon.exitCode === null && daemon.signalCode === null ? once(daemon, 'exit') : Promise.resolve();
        daemon.kill('SIGTERM');
        const force = realTimers.setTimeout(() => daemon?.kill('SIGKILL'), 20_000);
        await exited;
        realTimers.clearTimeout(force);
      }
      inbox?.closeAllConnections();
      inbox?.close();
      await world?.close();
      if (code !== 0 && existsSync(log)) process.stderr.write(`The daemon's last log lines:\n${readFileSync(log, 'utf8').trimEnd().split('\n').slice(-15).join('\n')}\n`);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      else out(`The demo's database, config, log and report are kept in ${dir}`);
      process.exitCode = code;
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      out('\nStopping: the daemon, the simulated centers and the mail catcher…');
      void stop(0).then(() => out('Stopped. Nothing is left running.'));
    });
  }

  try {
    world = await startWorld(sims, guardSeconds() * 1000);
    const reg = demoRegistry(registryFile, registry.centers, sims, world.site.port);
    writeFileSync(path.join(dir, 'centers.yaml'), reg.text);
    const configFile = path.join(dir, 'reachwatch.yaml');
    writeFileSync(configFile, `# The demo's configuration (demo/run.ts): the defaults of config/reachwatch.yaml except these.\n${stringify(demoConfig(dir, reg.resolve, world.site.port, world.smtp.port, world.line?.proxy ?? null, board))}`);
    const env: Record<string, string> = {
      REACHWATCH_CONFIG: configFile,
      PORT: String(port),
      HOST: '127.0.0.1',
      TWILIO_ACCOUNT_SID: DEMO_ACCOUNT,
      TWILIO_AUTH_TOKEN: DEMO_AUTH_TOKEN,
      REACHWATCH_TWILIO_FROM: DEMO_CALLER_ID,
      REACHWATCH_PUBLIC_URL: board,
      REACHWATCH_TWILIO_BASE_URL: world.twilio.baseUrl,
      // The daemon's bound (10 minutes); calls happen by day, where that is still a fraction of a real second or more.
      REACHWATCH_TWILIO_TIMEOUT: `${Math.min(600, guardSeconds())}s`,
      [CLOCK_ENV]: encodeSegment(first),
      REACHWATCH_DEMO_WATCH_PARENT: '1',
      ...(world.line ? { REACHWATCH_SIP_USER: 'demo' } : {}),
    };
    // Validated by the daemon's own loader now, so a mistake here fails before anything starts.
    const config: Config = loadConfig({ ...process.env, ...env }, configFile);
    // baresip's silent source for a one-hour ring timeout is 58 MB: made now, at real speed, not by the
    // daemon at its first 114 call, where writing it would stall its loop for simulated minutes.
    if (config.sip.trunk) silence(path.join(config.dataDir, 'sip', 'prompts'), silenceMsFor(config.sip.ringTimeoutMs));

    inbox = createServer((req, res) => {
      if (req.url === '/report.json') {
        res.writeHead(comparison ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(comparison));
        return;
      }
      const html = req.url === '/report' ? (reportHtml ?? '<!doctype html><title>Not yet</title><p>The report is printed when the replay ends.</p>') : inboxPage(world as World, board);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    const inboxUrl = `http://127.0.0.1:${await listenOn(inbox, 0)}`;
    if (stopping) return;

    // The regional agent's token, made as `reachwatch agents create --name almaty-demo --vantage kz` makes it.
    const setupDb = openDatabase(config.dataDir);
    const { token: agentToken } = new Agents(setupDb, { points: config.vantage.points.map((p) => p.name) }).create({ name: 'almaty-demo', vantage: 'kz', createdBy: 'demo' });
    setupDb.close();

    // The daemon logs to a file, never to a pipe: a pipe whose reader died (the demo killed -9)
    // would make its logger retry the write forever instead of letting it exit.
    const logFd = openSync(log, 'a');
    daemon = spawn(process.execPath, ['--import', path.join(ROOT, 'demo/clock-preload.ts'), path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', logFd, logFd],
      detached: true, // Ctrl-C reaches the demo only, which stops the daemon gracefully
    });
    closeSync(logFd);
    // The agent starts beside it, on the same clock (it hears the same speed changes), and enrolls
    // as soon as the daemon answers; like the daemon, it stops when the demo's pipe closes.
    const agentFd = openSync(agentLog, 'a');
    agent = spawn(process.execPath, ['--import', path.join(ROOT, 'demo/clock-preload.ts'), path.join(ROOT, 'src/cli/main.ts'), 'agent', 'run'], {
      cwd: ROOT,
      env: { ...process.env, ...env, REACHWATCH_AGENT_TOKEN: agentToken, TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '' },
      stdio: ['pipe', agentFd, agentFd],
      detached: true,
    });
    closeSync(agentFd);
    const tail = logTail(log);
    await new Promise<void>((resolve, reject) => {
      const check = realTimers.setTimeout(function poll() {
        if (tail().some((l) => l.includes('reachwatch is running'))) return resolve();
        if (stopping) return reject(new Error('stopped while the daemon was starting'));
        if (daemon?.exitCode !== null || daemon?.signalCode !== null) return reject(new Error(`the daemon exited (${daemon?.exitCode ?? daemon?.signalCode}) before it was ready`));
        check.refresh();
      }, 50);
    });
    daemon.on('exit', (code, signal) => {
      if (!stopping) {
        out(`The daemon stopped unexpectedly (${code ?? signal}).`);
        void stop(1);
      }
    });
    db = openDatabase(config.dataDir, { readonly: true });
    setSpeedSoon(opts.speed);

    const realSeconds = Math.round((REPLAY_END - CALLS_OPEN - (NIGHT.to - NIGHT.from) * (1 - 1 / NIGHT.factor)) / opts.speed / 1000);
    out('reachwatch demo: the 2018 call experiment, replayed on 127.0.0.1');
    out('');
    out(`  The board:          ${board}/?lang=${opts.lang}`);
    out(`  The NGO's inbox:    ${inboxUrl}/   (alerts to ${NGO_MAILBOX})`);
    out(`  The API:            ${board}/docs   (reachwatch runs as pid ${daemon.pid}; its log: ${ownDir ? 'daemon.log in a temporary folder' : log})`);
    out(`  A regional agent:   vantage point kz (inside the country), pid ${agent.pid}: it leases the websites' jobs and probes them too (docs/agents.md)`);
    out('');
    out(`  ${sims.length} channels of ${new Set(sims.map((s) => s.centerId)).size} centers behave as the thesis reports (${unsimulated.length} reported ones cannot be simulated; ${reg.manual.length} unreported ones are left to hand probes).`);
    out(`  Time runs ${opts.speed}× faster (${opts.speed * NIGHT.factor}× at night): Monday 26 March 2018, 09:00 in Almaty, to Tuesday noon takes about ${realSeconds} s.`);
    out(`  The thesis dates the round "Monday March 25th and Tuesday March 26th"; in 2018 those were a Sunday and a Monday, so the demo replays Monday and Tuesday, 26–27 March.`);
    out('');

    const countsQ = db.prepare<[], { probes: number; calls: number }>(`SELECT (SELECT COUNT(*) FROM probes) AS probes, (SELECT COUNT(*) FROM call_attempts) AS calls`);
    const centersQ = db.prepare<[], { status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM center_state GROUP BY status`);
    let lastHour = -1;
    ticker = setInterval(() => {
      for (const l of tail()) if (/"level":(50|60)/.test(l)) out(`  daemon: ${l}`);
      const mails = world?.smtp.messages ?? [];
      for (const mail of mails.slice(mailLog.length)) {
        mailLog.push({ at: Date.now(), mail });
        out(`  ✉ ${when(Date.now())}  to ${mail.to.join(', ')}: ${mail.subject}`);
      }
      const hour = Math.floor(Date.now() / 3_600_000);
      if (hour !== lastHour && hour % 2 === 0 && Date.now() < REPLAY_END) {
        lastHour = hour;
        const c = countsQ.get() ?? { probes: 0, calls: 0 };
        const centers = centersQ.all().filter((r) => r.status !== 'unknown').map((r) => `${r.n} ${say(r.status)}`).join(', ');
        out(`${when(Date.now())} Almaty · ${c.probes} probes, ${c.calls} calls · centers: ${centers || 'none known yet'} · ${mails.length} alert mail(s)`);
      }
    }, 10 * 60_000);

    await setSpeedAt(NIGHT.from, opts.speed * NIGHT.factor);
    await setSpeedAt(NIGHT.to, opts.speed);
    await setSpeedAt(REPLAY_END, 1);
    await wait(REPLAY_END);
    if (stopping) return;

    const settings = reportSettingsFrom(config);
    const table = buildThesisTable(db, { date: DAYS.from, until: DAYS.until, lang: opts.lang }, settings);
    const channelStatus = new Map(db.prepare<[], { id: string; status: string }>(`SELECT c.id, COALESCE(s.status, 'unknown') AS status FROM channels c LEFT JOIN channel_state s ON s.channel_ref = c.ref`).all().map((r) => [r.id, r.status]));
    const centerStatus = new Map(db.prepare<[], { center_id: string; status: string }>(`SELECT center_id, status FROM center_state`).all().map((r) => [r.center_id, r.status]));
    const notProbed = new Map<string, string>();
    for (const c of registry.centers) for (const ch of c.channels) if (!ch.target) notProbed.set(ch.id, ch.unprobeableReason ?? 'it has nothing to probe');
    for (const id of reg.manual) notProbed.set(id, 'the demo leaves it to hand probes (methods: [manual])');
    comparison = compare(readFileSync(EXPERIMENT_FILE, 'utf8'), sims, unsimulated, {
      table,
      names: new Map(registry.centers.map((c) => [c.id, c.name])),
      channelStatus,
      centerStatus,
      notProbed,
    });
    reportHtml = renderHtml(comparison, { board, inbox: `${inboxUrl}/` });
    writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(comparison, null, 2)}\n`);
    writeFileSync(path.join(dir, 'report.html'), reportHtml);
    out('');
    out(renderText(comparison, Math.max(80, Math.min(process.stdout.columns ?? 110, 130))));
    out('');
    out(`The report as a page: ${inboxUrl}/report   (JSON: ${inboxUrl}/report.json)`);
    out(`The board: ${board}/?lang=${opts.lang}   The NGO's inbox: ${inboxUrl}/   (${world.smtp.messages.length} alert mails)`);
    if (opts.exit) {
      await stop(0);
      return;
    }
    out('The replay is over; the clock now runs at normal speed and the board stays up. Ctrl-C stops everything.');
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    await stop(1);
  }
}

/** Waits until simulated time `t`; unreferenced, so a pending wait never keeps a stopped demo alive. */
function wait(t: number): Promise<void> {
  return new Promise((r) => (setTimeout(r, Math.max(0, t - Date.now())) as unknown as { unref(): void }).unref());
}

/** New complete lines of a growing file since the last call; reads only what was appended. */
function logTail(file: string): () => string[] {
  let offset = 0;
  let partial = '';
  return () => {
    let text = '';
    try {
      const size = statSync(file).size;
      if (size > offset) {
        const fd = openSync(file, 'r');
        try {
          const buf = Buffer.alloc(size - offset);
          readSync(fd, buf, 0, buf.length, offset);
          text = buf.toString();
        } finally {
          closeSync(fd);
        }
        offset = size;
      }
    } catch {
      return [];
    }
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    return lines;
  };
}

// Not awaited at the top level: after Ctrl-C the replay's pending waits are dropped, and Node would
// report an unsettled top-level await (exit code 13) instead of the exit code stop() set.
main().catch((err: unknown) => {
  process.stderr.write(`demo: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
