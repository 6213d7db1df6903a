// Start-up and shutdown order. The registry is validated before the database is opened, so a
// broken file changes nothing stored; shutdown stops new work, finishes or aborts probes in flight,
// flushes results, closes the HTTP server, then checkpoints and closes the database.

import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { buildApp, type App } from '../api/app.ts';
import type { Config } from '../config/config.ts';
import { assertLoadable, formatProblem, registryOptionsFor, type RegistryLoad, type RegistryOptions } from '../registry/load.ts';
import { loadRegistryInWorker } from '../registry/load-in-worker.ts';
import { openDatabase, type DB } from '../store/db.ts';
import { backfillRollups } from '../store/rollups.ts';
import { reportSettingsFrom } from '../reports/availability.ts';
import { checkpointAndClose, Housekeeping } from '../store/housekeeping.ts';
import { clipHousekeeping } from '../audio/clips.ts';
import { Monitor } from './monitor.ts';
import { sipProberFor } from '../probers/from-config.ts';
import { leaseDurations } from '../agents/leasing.ts';
import { AgentHealthWatch, agentNoticeFacts } from '../agents/health.ts';
import { AgentStore } from '../store/agents.ts';
import { missingSipPrograms } from '../probers/sip/programs.ts';
import type { Telephony } from './telephony.ts';
import { ConfigError } from '../config/config.ts';
import { SubscriptionConflict } from '../alerts/subscriptions-store.ts';
import { createAlerting, type Alerting } from './alerting.ts';
import { ProbeMetrics } from '../metrics/probe-metrics.ts';
import { DaemonLockHeld, lockDataFolder, type DataFolderLock } from '../store/daemon-lock.ts';
import { SchemaError } from '../store/db.ts';
import { bindApiSocket, type ApiSocket, type ServerSettings } from './listener.ts';
import { DataFolderError } from './startup-failure.ts';
import type { WriteBeacon } from '../store/write-beacon.ts';

/**
 * How long the daemon's one connection waits for SQLite's write lock. better-sqlite3 waits on the
 * daemon's thread, so a long wait (another process holding the lock, a backup tool) would stall every
 * API request (and, without the front of src/daemon/front.ts, /healthz too); the probe writer
 * retries a refused batch on its own timer instead.
 */
export const DAEMON_BUSY_TIMEOUT_MS = 200;

export interface Daemon {
  app: App;
  monitor: Monitor;
  /** The Twilio client, call ledger and phone probers; null without Twilio credentials. */
  telephony: Telephony | null;
  alerting: Alerting;
  db: DB;
  /** The address the API listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  /** The settings Fastify gave its server (keep-alive...): a front in front of the core applies them to the public socket. */
  serverSettings: ServerSettings;
  reload(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The daemon as the core behind a front (src/daemon/front.ts), in a worker thread of the front's
 * process. The front has validated the registry, holds the data folder's lock (a lock is per
 * process: taking it again from this thread would find it held) and the public socket; the core
 * serves on a loopback socket of its own and marks its database writes for the front to see.
 */
export interface CoreOptions {
  /** The front's public address, for the log. */
  publicUrl: string;
  /** Set around every database write (src/store/write-beacon.ts). */
  beacon: WriteBeacon;
  /** The registry as the front loaded it, so the file is read and checked once per start. */
  registry: RegistryLoad;
}

/** The address a core listens on: the front alone connects to it. */
export const CORE_HOST = '127.0.0.1';

export async function startDaemon(config: Config, log: Logger, core?: CoreOptions): Promise<Daemon> {
  // A trunk without its user agent would make every SIP call our own error: refuse to start instead.
  const missing = missingSipPrograms(config.sip);
  if (missing.length > 0) throw new ConfigError(missing);
  // Refuse a structurally broken registry before touching the database.
  const registryOptions: RegistryOptions = registryOptionsFor(config);
  const first = core?.registry ?? (await loadRegistryInWorker(config.registry.file, registryOptions));
  assertLoadable(first);
  log.info({ node: process.versions.node, tzdata: process.versions.tz, sqlite: 'better-sqlite3' }, 'starting reachwatch');

  // One daemon per data folder: taken first, so a second daemon changes nothing at all.
  let lock: DataFolderLock;
  try {
    lock = core ? { file: '', release: () => undefined } : lockDataFolder(config.dataDir, 'daemon');
  } catch (err) {
    throw err instanceof DaemonLockHeld ? err : new DataFolderError(config.dataDir, err);
  }
  // Then the socket, so a port in use or a bad HOST stops the start before the database is written.
  let socket: ApiSocket | null = null;
  let opened = null as DB | null;
  try {
    socket = core ? await bindApiSocket(CORE_HOST, 0) : await bindApiSocket(config.http.host, config.http.port);
    try {
      opened = openDatabase(config.dataDir, { busyTimeoutMs: DAEMON_BUSY_TIMEOUT_MS, ...(core ? { beacon: core.beacon } : {}) });
    } catch (err) {
      throw err instanceof SchemaError ? err : new DataFolderError(config.dataDir, err);
    }
    return await run(config, log, registryOptions, first, opened, socket, lock, core ?? null);
  } catch (err) {
    await socket?.close();
    if (opened?.open) opened.close();
    lock.release();
    throw err;
  }
}

async function run(
  config: Config,
  log: Logger,
  registryOptions: RegistryOptions,
  first: Awaited<ReturnType<typeof loadRegistryInWorker>>,
  db: DB,
  socket: ApiSocket,
  lock: DataFolderLock,
  core: CoreOptions | null,
): Promise<Daemon> {
  backfillRollups(db, config.defaultTimezone, log);
  const { settings: twilioSettings, missing } = config.twilio;
  let monitor: Monitor | null = null;
  // The twilio package is loaded only when telephony is configured.
  const telephony = twilioSettings
    ? (await import('./telephony.ts')).createTelephony(
        db,
        config,
        twilioSettings,
        (ch) => monitor?.tzOf(ch) ?? config.defaultTimezone,
        (ch) => monitor?.methodsOf(ch).includes('lookup') ?? false,
      )
    : null;
  if (!telephony) log.warn({ missing }, 'telephony not configured: phone channels are not probed');
  const sip = sipProberFor(config, db, (ch) => monitor?.tzOf(ch) ?? config.defaultTimezone);
  if (sip) log.info({ trunk: config.sip.trunk?.name }, 'SIP trunk configured: channels with the sip method are called through it');
  else if (!config.telephony.kazakhPromptAudio) {
    log.warn('telephony.kazakh_prompt_audio is not set: the menu is played in Russian only (Twilio has no Kazakh text-to-speech); record the Kazakh prompt (docs/phones.md, "Setting up a real Twilio account")');
  }
  let alerting: Alerting;
  try {
    alerting = await createAlerting(db, config, log, twilioSettings);
  } catch (err) {
    db.close();
    if (err instanceof SubscriptionConflict) throw new ConfigError([err.message]);
    throw err;
  }
  const a = alerting;
  const probeMetrics = new ProbeMetrics();
  monitor = new Monitor(
    db,
    config,
    log,
    {
      afterBatch: (stored) => a.afterBatch(stored),
      afterRecombine: (changes) => a.tracker.channelsChanged(changes.map((c) => c.channelId)),
      onStored: (stored) => {
        a.afterCommit(stored);
        probeMetrics.observe(stored);
      },
      onCanaryChange: (c) => a.selfCheck.report('canaries', c.ok ? null : c.detail),
      onWriteHealth: (error) => a.selfCheck.report('disk', error),
    },
    [...(telephony?.probers ?? []), ...(sip ? [sip] : [])],
  );
  const applied = (load: Parameters<Monitor['applyRegistry']>[0]) => {
    monitor?.applyRegistry(load);
    a.tracker.loadCenters();
    const known = new Set(load.centers.map((c) => c.id));
    const regions = new Set(load.centers.map((c) => c.region).filter(Boolean));
    for (const w of config.maintenance) {
      if (w.centerId && !known.has(w.centerId)) log.warn({ center: w.centerId }, 'a maintenance window names a center that is not in the registry');
      if (w.region && !regions.has(w.region)) log.warn({ region: w.region }, 'a maintenance window names a region no center is in');
    }
  };
  applied(first);

  // Reloads are serialised: a burst of file events must not apply an older file after a newer one.
  let reloading: Promise<boolean> = Promise.resolve(true);
  const reload = (): Promise<boolean> => (reloading = reloading.then(reloadOnce));
  const reloadOnce = async (): Promise<boolean> => {
    try {
      applied(await loadRegistryInWorker(config.registry.file, registryOptions));
      a.tracker.evaluateAll();
      return true;
    } catch (err) {
      const problems = (err as { problems?: Parameters<typeof formatProblem>[0][] }).problems;
      log.error(
        { err: problems ? undefined : err, problems: problems?.filter((p) => p.severity === 'error').map(formatProblem) },
        'registry reload refused: the file has errors; the previous registry stays in force and nothing was changed',
      );
      return false;
    }
  };

  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  if (config.registry.watch) {
    // Editors save by rename, so watch the folder's events for this file and debounce bursts.
    try {
      const name = path.basename(config.registry.file);
      watcher = watch(path.dirname(config.registry.file), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        if (debounce) clearTimeout(debounce);
        debounce = setTimeout(() => {
          log.info({ file: config.registry.file }, 'registry file changed; reloading');
          void reload();
        }, 300);
      });
    } catch (err) {
      log.warn({ err }, 'cannot watch the registry file; reload with SIGHUP');
    }
  }
  const onHup = () => {
    log.info('SIGHUP: reloading the registry');
    void reload();
  };
  process.on('SIGHUP', onHup);

  const m = monitor;
  let fastifyHandler: Parameters<ApiSocket['serve']>[0] | null = null;
  let serverSettings: ServerSettings = {};
  const app = await buildApp({
    db,
    monitor: m,
    alerting: a,
    probeMetrics,
    board: { defaultTz: config.defaultTimezone, directoryDays: config.board.directoryDays, pageSize: config.board.pageSize },
    reports: reportSettingsFrom(config),
    logger: log,
    // Behind the front, the client's address comes in X-Forwarded-For, which the front always sets.
    ...(core ? { trustProxy: CORE_HOST } : {}),
    vantagePointsOf: m.vantagePointsOf,
    serverFactory: (handler, settings) => {
      fastifyHandler = handler;
      serverSettings = settings;
      return socket.server;
    },
    operatorToken: config.auth.operatorToken,
    http: config.http,
    audio: { dataDir: config.dataDir },
    publicUrl: config.alerts.boardUrl,
    vantage: config.vantage,
    leaseDurations: leaseDurations(config),
    twilio: telephony
      ? {
          ledger: telephony.ledger,
          authToken: telephony.settings.authToken,
          publicUrl: telephony.settings.publicUrl,
          ivr: { kazakhAudioUrl: config.telephony.kazakhPromptAudio, gatherTimeoutSec: 6, recordMaxSec: 30 },
          centerNameOf: (id) => telephony.ledger.centerNameOf(id),
          onOptOut: (id, via) => {
            const opted = telephony.ledger.optOutDuring(id, via, Date.now());
            if (opted) log.warn({ channel: opted.channelId, via }, 'a number asked never to be called again; it is opted out for good');
          },
        }
      : null,
  });
  // Regional agents' health: one operator notice when an agent goes silent and one when it is heard
  // again, and its point's channels recombined without it. Never through the self-check: an agent's
  // silence must not freeze the statuses that central and the other points still see.
  const agentHealth =
    config.vantage.points.length > 1
      ? new AgentHealthWatch({
          store: new AgentStore(db),
          limits: config.vantage,
          notify: (n, key) => a.tracker.raiseSelfCheck(agentNoticeFacts(n, config.alerts.boardUrl), key),
        })
      : null;
  const checkAgents = () => {
    try {
      const raised = agentHealth?.tick() ?? [];
      for (const n of raised) {
        if (n.state === 'stale') log.warn({ agent: n.agent.id, name: n.agent.name, vantage: n.agent.vantage, lastSeenAt: n.lastSeenAt }, 'an agent is silent (stale): the operator is alerted; no center is affected');
        else log.info({ agent: n.agent.id, name: n.agent.name, vantage: n.agent.vantage, silentMs: n.silentMs }, 'an agent is heard again');
      }
      // Their points' channels are combined again; a change reaches the centers' tracker.
      if (raised.length > 0) m.recombineVantage(Date.now());
    } catch (err) {
      log.error({ err }, 'checking the agents\' health failed; it runs again shortly');
    }
  };
  if (agentHealth) m.isPointStale = (point) => agentHealth.isPointStale(point);
  checkAgents();
  const agentTimer = agentHealth ? setInterval(checkAgents, Math.max(1000, Math.min(15_000, Math.floor(config.vantage.staleAfterMs / 4)))) : null;
  agentTimer?.unref();
  await app.ready();
  // Until now the socket answered 503 "starting"; Fastify takes requests once every route is registered.
  if (fastifyHandler) socket.serve(fastifyHandler, serverSettings);
  const url = socket.url;
  monitor.start();
  a.start({ recheckCanaries: () => m.canary.state() });
  // Once a minute: publish the chains' heads for a UTC day that ended, and apply retention once a day.
  const chores = new Housekeeping(db, config.store.retentionMs, log);
  // Clips have their own retention (audio.clip_retention): checked with the same chores, pruned once a day.
  const clipChores = clipHousekeeping(config.dataDir, config.audio.clipRetentionMs, log);
  const housekeeping = setInterval(() => {
    chores.tick();
    void clipChores();
  }, 60_000);
  housekeeping.unref();
  const publicUrl = core?.publicUrl ?? url;
  log.info({ url: publicUrl, docs: `${publicUrl}/docs`, data: config.dataDir, ...(core ? { core: url } : {}) }, 'reachwatch is running');

  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('SIGHUP', onHup);
      clearInterval(housekeeping);
      if (agentTimer) clearInterval(agentTimer);
      watcher?.close();
      if (debounce) clearTimeout(debounce);
      await monitor.stop();
      await a.stop();
      await app.close();
      await socket.close();
      try {
        checkpointAndClose(db);
      } finally {
        lock.release();
      }
      log.info('reachwatch stopped');
    })());

  return { app, monitor, telephony, alerting: a, db, url, serverSettings, reload, stop };
}
