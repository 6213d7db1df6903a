// Daemon configuration: a YAML file (REACHWATCH_CONFIG, default config/reachwatch.yaml) plus the
// environment (read once, in env.ts). Each section validates itself beside the code it configures and
// reports every problem with the file, line and key (Gatus' habit); this file only composes them and
// refuses the whole configuration, before anything is opened or written, if any section found a problem.

import { parseVantageSection, VANTAGE_DEFAULTS, VANTAGE_DOC, type VantageConfig } from '../agents/config.ts';
import { AGENT_DEFAULTS, AGENT_DOC, parseAgentSection, type AgentConfig } from '../agent/config.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlSource } from '../util/yaml-source.ts';
import {
  ALERT_DEFAULTS, ALERTS_DOC, CENTER_DEFAULTS, CENTERS_DOC, MAINTENANCE_DOC, parseAlertsSection, parseCentersSection, parseMaintenanceSection, type AlertsConfig, type CentersConfig,
} from '../alerts/config.ts';
import { authFromEnv, HTTP_DEFAULTS, HTTP_DOC, parseHttpSection, type AuthConfig, type HttpConfig } from '../api/config.ts';
import { BOARD_DEFAULTS, BOARD_DOC, parseBoardSection, type BoardConfig } from '../board/config.ts';
import type { DeclaredWindow } from '../maintenance/windows.ts';
import { parseTelephonySection, parseTwilioEnv, TELEPHONY_DEFAULTS, TELEPHONY_DOC, type TelephonyConfig, type TwilioConfig } from '../probers/phone/config.ts';
import { parseSipSection, SIP_DEFAULTS, SIP_DOC, type SipConfig } from '../probers/sip/config.ts';
import { parseWebsiteSection, WEBSITE_DEFAULTS, WEBSITE_DOC, type WebsiteConfig } from '../probers/website/config.ts';
import { parseRegistrySection, REGISTRY_DEFAULTS, REGISTRY_DOC, type RegistryConfig } from '../registry/config.ts';
import { parseSchedulerSection, SCHEDULER_DEFAULTS, SCHEDULER_DOC, type SchedulerConfig } from '../scheduler/config.ts';
import { CANARIES_DOC, CANARY_DEFAULTS, parseCanariesSection, type CanariesConfig } from '../selfcheck/config.ts';
import { STATUS_DEFAULTS, STATUS_DOC, parseStatusSection, type StatusConfig } from '../status/config.ts';
import { DATA_DIR_DEFAULT, DATA_DIR_DOC, parseDataDir, parseStoreSection, STORE_DEFAULTS, STORE_DOC, type StoreConfig } from '../store/config.ts';
import { AUDIO_DEFAULTS, AUDIO_DOC, parseAudioSection, type AudioConfig } from '../audio/config.ts';
import { readEnv, type EnvSource } from './env.ts';
import { LOG_DEFAULTS, LOG_DOC, parseDefaultTimezone, parseLogSection, TIMEZONE_DEFAULT, TIMEZONE_DOC, type LogFormat } from './general.ts';
import { DEFAULT_CONFIG_FILE } from './paths.ts';
import { isObj, type Obj, type SectionContext, type SectionDoc, type Where } from './section.ts';

export { DEFAULT_CONFIG_FILE } from './paths.ts';

export interface Config {
  file: string | null;
  http: HttpConfig;
  dataDir: string;
  registry: RegistryConfig;
  log: { level: string; format: LogFormat };
  scheduler: SchedulerConfig;
  website: WebsiteConfig;
  status: StatusConfig;
  canaries: CanariesConfig;
  store: StoreConfig;
  defaultTimezone: string;
  telephony: TelephonyConfig;
  sip: SipConfig;
  centers: CentersConfig;
  board: BoardConfig;
  alerts: AlertsConfig;
  maintenance: DeclaredWindow[];
  audio: AudioConfig;
  /** From the environment only: credentials never belong in a file that is copied around. */
  twilio: TwilioConfig;
  auth: AuthConfig;
  vantage: VantageConfig;
  /** Only `reachwatch agent` reads it. */
  agent: AgentConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Every default, each written once beside its section. */
export const DEFAULTS: Omit<Config, 'file' | 'twilio' | 'auth'> = {
  http: HTTP_DEFAULTS,
  dataDir: DATA_DIR_DEFAULT,
  registry: REGISTRY_DEFAULTS,
  log: LOG_DEFAULTS,
  scheduler: SCHEDULER_DEFAULTS,
  website: WEBSITE_DEFAULTS,
  status: STATUS_DEFAULTS,
  canaries: CANARY_DEFAULTS,
  store: STORE_DEFAULTS,
  defaultTimezone: TIMEZONE_DEFAULT,
  telephony: TELEPHONY_DEFAULTS,
  sip: SIP_DEFAULTS,
  centers: CENTER_DEFAULTS,
  board: BOARD_DEFAULTS,
  alerts: ALERT_DEFAULTS,
  maintenance: [],
  vantage: VANTAGE_DEFAULTS,
  audio: AUDIO_DEFAULTS,
  agent: AGENT_DEFAULTS,
};

/** The sections of the file, in the order of the reference (docs/configuration.md). */
export const SECTION_DOCS: SectionDoc[] = [
  HTTP_DOC, DATA_DIR_DOC, REGISTRY_DOC, LOG_DOC, SCHEDULER_DOC, WEBSITE_DOC, STATUS_DOC, CANARIES_DOC, STORE_DOC, TIMEZONE_DOC, TELEPHONY_DOC, SIP_DOC, CENTERS_DOC, BOARD_DOC, ALERTS_DOC,
  MAINTENANCE_DOC, VANTAGE_DOC, AGENT_DOC, AUDIO_DOC,
];

/** Loads the file (if any) and the environment into a validated Config. */
export function loadConfig(envSource?: EnvSource, explicitFile?: string): Config {
  const env = readEnv(envSource);
  const file = explicitFile ?? env.configFile ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null);
  let raw: Obj = {};
  let where: Where = (keys) => keys.join('.');
  if (file) {
    if (!existsSync(file)) throw new ConfigError([`REACHWATCH_CONFIG names ${file}, which does not exist.`]);
    const src = parseYamlSource(readFileSync(file, 'utf8'));
    const errors = src.issues.filter((i) => i.severity === 'error');
    if (errors.length) throw new ConfigError(errors.map((e) => `${file}:${e.line}:${e.column}: ${e.message}`));
    if (src.value !== null && src.value !== undefined && !isObj(src.value)) throw new ConfigError([`${file}: the configuration must be a mapping of sections.`]);
    raw = (src.value as Obj | null) ?? {};
    where = (keys) => {
      const { line } = src.keyLineOf(keys);
      return `${file}:${line} ${keys.join('.')}`;
    };
  }
  return buildConfig(raw, envSource ?? {}, file, where, file ? path.dirname(file) : process.cwd(), env);
}

/**
 * The parsed file and the environment into a Config, or a ConfigError listing every problem.
 * `envSource` is a plain object in tests; `env` lets loadConfig hand in the one it already read.
 */
export function buildConfig(raw: Obj, envSource: EnvSource, file: string | null, where: Where, baseDir: string, env = readEnv(envSource)): Config {
  const ctx: SectionContext = { env, where, problems: [], baseDir };
  const sections = SECTION_DOCS.map((d) => d.section);
  for (const k of Object.keys(raw)) if (!sections.includes(k)) ctx.problems.push(`${where([k])}: unknown section "${k}"; known sections are ${sections.join(', ')}.`);

  const config: Config = {
    file,
    http: parseHttpSection(raw, ctx),
    dataDir: parseDataDir(raw, ctx),
    registry: parseRegistrySection(raw, ctx),
    log: parseLogSection(raw, ctx),
    scheduler: parseSchedulerSection(raw, ctx),
    website: parseWebsiteSection(raw, ctx),
    status: parseStatusSection(raw, ctx),
    canaries: parseCanariesSection(raw, ctx),
    store: parseStoreSection(raw, ctx),
    defaultTimezone: parseDefaultTimezone(raw, ctx),
    telephony: parseTelephonySection(raw, ctx),
    sip: parseSipSection(raw, ctx),
    centers: parseCentersSection(raw.centers, ctx),
    board: parseBoardSection(raw, ctx),
    alerts: parseAlertsSection(raw.alerts, ctx),
    maintenance: parseMaintenanceSection(raw.maintenance, ctx),
    audio: parseAudioSection(raw, ctx),
    twilio: parseTwilioEnv(ctx),
    auth: authFromEnv(ctx),
    vantage: parseVantageSection(raw, ctx),
    agent: parseAgentSection(raw, ctx),
  };
  if (ctx.problems.length) throw new ConfigError(ctx.problems);
  return config;
}
