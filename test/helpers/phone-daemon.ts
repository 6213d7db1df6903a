// An in-process daemon that calls centers through the local Twilio-protocol server: the set-up the
// phone tests share. Each test names only what it tests differently (its limits, timeouts, schedule).

import path from 'node:path';
import pino, { type Logger } from 'pino';
import { buildConfig, type Config } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import type { FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';
import { fakeTwilioEnv, freePort } from './daemon.ts';

type Section = Record<string, unknown>;

export interface PhoneDaemonOptions {
  /** The folder the config is relative to (centers.yaml lives there); data goes to `dir`/data unless `dataDir` says otherwise. */
  dir: string;
  fake: Pick<FakeTwilio, 'accountSid' | 'authToken' | 'baseUrl'>;
  dataDir?: string;
  /** Replaces single keys of the telephony section; a key set to undefined is left out of the config. */
  telephony?: Section;
  /** Replaces whole sections; a section set to undefined is left out of the config. */
  config?: Section;
  /** Defaults to a silent logger (TEST_LOG=debug to see it). */
  log?: Logger;
  /** Runs after the config is built and before the daemon starts (e.g. to seed the scheduler's memory). */
  beforeStart?: (config: Config, dataDir: string) => void;
}

export interface PhoneDaemon {
  daemon: Daemon;
  port: number;
  config: Config;
  dataDir: string;
}

/** Calls at any hour of any day, with limits loose enough that only what a test sets will bind. */
const PHONE_TELEPHONY_DEFAULTS: Readonly<Section> = {
  methods: ['call'],
  calling_hours: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59' },
  per_number: { per_day: 1, per_week: 3 },
  ring_timeout: '5s',
  time_limit: '60s',
  callback_grace: '1s',
  calls_per_second: 50,
  max_concurrent_calls: 50,
  monthly_spend_cap: 1000,
  min_slots: 1,
};

/** Websites and lookups an hour apart so that only calls happen; a call job every 2 s. */
const PHONE_CONFIG_DEFAULTS: Readonly<Section> = {
  registry: { file: 'centers.yaml', watch: false },
  scheduler: { defaults: { website: '1h', lookup: '1h', call: '2s' }, jitter: '10ms' },
  status: { confirmations: 1 },
  canaries: { urls: [] },
  store: { flush_interval: '20ms' },
};

// An override of undefined means "absent", as the file would have it, not "present and empty".
function merged(defaults: Readonly<Section>, overrides: Section = {}): Section {
  return Object.fromEntries(Object.entries({ ...defaults, ...overrides }).filter(([, v]) => v !== undefined));
}

/** The config file's sections, as an object (JSON.stringify makes the file: JSON is YAML). */
export function phoneDaemonSections(opts: Pick<PhoneDaemonOptions, 'telephony' | 'config'> = {}): Section {
  return { ...merged(PHONE_CONFIG_DEFAULTS, opts.config), telephony: merged(PHONE_TELEPHONY_DEFAULTS, opts.telephony) };
}

/** The config of a phone daemon on 127.0.0.1:`port`; throws as buildConfig does on a mistake. */
export function phoneDaemonConfig(opts: Pick<PhoneDaemonOptions, 'dir' | 'fake' | 'telephony' | 'config'> & { port: number; dataDir: string }): Config {
  return buildConfig(
    phoneDaemonSections(opts),
    {
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      REACHWATCH_DATA_DIR: opts.dataDir,
      ...fakeTwilioEnv(opts.fake, opts.port),
    },
    null,
    (k) => k.join('.'),
    opts.dir,
  );
}

/** Starts a phone daemon on a free port; the caller stops it. */
export async function startPhoneDaemon(opts: PhoneDaemonOptions): Promise<PhoneDaemon> {
  const dataDir = opts.dataDir ?? path.join(opts.dir, 'data');
  const port = await freePort();
  const config = phoneDaemonConfig({ ...opts, port, dataDir });
  opts.beforeStart?.(config, dataDir);
  const daemon = await startDaemon(config, opts.log ?? pino({ level: process.env.TEST_LOG ?? 'silent' }));
  return { daemon, port, config, dataDir };
}
