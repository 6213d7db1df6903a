// Daemon configuration: a YAML file (REACHWATCH_CONFIG, default config/reachwatch.yaml) plus the
// environment (PORT, HOST, REACHWATCH_DATA_DIR). Every section validates itself and fails with a
// sentence that names the file, line and key (Gatus' habit), before anything is opened or written.

import { twilioTimeoutFromEnv } from '../probers/phone/settings.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYamlSource } from '../util/yaml-source.ts';
import { parseSchedule, parseDuration } from '../scheduler/schedule.ts';
import type { CallingWindow } from '../calling/policy.ts';
import {
  ALERT_DEFAULTS, CENTER_DEFAULTS, parseAlertsSection, parseCentersSection, parseMaintenanceSection, type AlertsConfig, type CentersConfig,
} from '../alerts/config.ts';
import type { DeclaredWindow } from '../maintenance/windows.ts';

export type ScheduledMethod = 'website' | 'lookup' | 'call';
const isScheduledMethod = (m: string): m is ScheduledMethod => m === 'website' || m === 'lookup' || m === 'call';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_CONFIG_FILE = path.join(PROJECT_ROOT, 'config', 'reachwatch.yaml');

export interface Config {
  file: string | null;
  http: HttpConfig;
  dataDir: string;
  registry: { file: string; watch: boolean };
  log: { level: string };
  scheduler: {
    concurrency: number;
    perHostConcurrency: number;
    jitterMs: number;
    /** Schedule per probe method: website (http), lookup, call. */
    defaults: Record<ScheduledMethod, string>;
    /** Per-channel schedule overrides by channel id (the registry's `schedule` key wins over these). */
    channels: Record<string, string>;
  };
  website: {
    connectTimeoutMs: number;
    tlsTimeoutMs: number;
    headersTimeoutMs: number;
    totalTimeoutMs: number;
    maxRedirects: number;
    maxBodyBytes: number;
    userAgent: string;
    slowMs: number;
    certExpiryWarnDays: number;
    /** hostname -> IP, like curl --resolve. For tests, benchmarks and the demo; empty in production. */
    resolve: Record<string, string>;
  };
  status: { confirmations: number };
  /** timeoutMs: how long a canary may take; null for the website total_timeout, at most 10 s. */
  canaries: { urls: string[]; maxAgeMs: number; timeoutMs: number | null };
  /** retentionMs: raw probes older than this are pruned daily (rollups and the chain checkpoint stay); null keeps everything. */
  store: {
    batchMaxRows: number;
    flushIntervalMs: number;
    retentionMs: number | null;
    /** /readyz says not ready while a write has waited for the disk longer than this. */
    stallAfterMs: number;
  };
  defaultTimezone: string;
  telephony: TelephonyConfig;
  centers: CentersConfig;
  board: { directoryDays: number; pageSize: number };
  alerts: AlertsConfig;
  maintenance: DeclaredWindow[];
}

export interface HttpConfig {
  host: string;
  port: number;
  /** Origins whose browsers may call the API (CORS); '*' for any; empty: no CORS headers at all. */
  corsOrigins: string[] | '*';
  /** Requests per client address per window; max 0 turns the limit off. */
  rateLimit: { max: number; windowMs: number };
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
}

export interface TelephonyConfig {
  /** Methods of a phone channel unless its registry entry says otherwise. */
  methods: ('lookup' | 'call')[];
  /** After an unconfirmed failure (no answer, unavailable, busy) the next call comes this soon, within hours and caps. */
  followUpMs: number;
  ringTimeoutSec: number;
  timeLimitSec: number;
  /** How long after ring timeout + time limit to wait for the final callback before asking Twilio. */
  callbackGraceMs: number;
  callsPerSecond: number;
  maxConcurrentCalls: number;
  lookupFields: string[];
  callingHours: CallingWindow;
  perNumberPerDay: number;
  perNumberPerWeek: number;
  monthlySpendCap: number;
  estimatedCallCost: number;
  kazakhPromptAudio: string | null;
  /** The 2018 protocol: distinct days or half-days a no_answer/unavailable streak must span. */
  minSlots: number;
  /** Consecutive answers to the call menu that confirm what a person said (status.confirmations is for everything else). */
  answerConfirmations: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export const DEFAULTS: Omit<Config, 'file'> = {
  http: { host: '127.0.0.1', port: 8080, corsOrigins: [], rateLimit: { max: 600, windowMs: 60_000 }, bodyLimit: 64 * 1024 },
  dataDir: path.join(process.cwd(), 'data'),
  registry: { file: path.join(PROJECT_ROOT, 'config', 'centers.yaml'), watch: true },
  log: { level: 'info' },
  scheduler: {
    concurrency: 256,
    perHostConcurrency: 2,
    jitterMs: 2000,
    defaults: { website: '5m', lookup: '1d', call: '7d' },
    channels: {},
  },
  website: {
    connectTimeoutMs: 10_000,
    tlsTimeoutMs: 10_000,
    headersTimeoutMs: 15_000,
    totalTimeoutMs: 30_000,
    maxRedirects: 10,
    maxBodyBytes: 65_536,
    userAgent: 'reachwatch/0.1 (+directory availability check)',
    slowMs: 3000,
    certExpiryWarnDays: 14,
    resolve: {},
  },
  status: { confirmations: 3 },
  canaries: { urls: [], maxAgeMs: 15_000, timeoutMs: null },
  store: { batchMaxRows: 1000, flushIntervalMs: 200, retentionMs: null, stallAfterMs: 5000 },
  defaultTimezone: 'Asia/Almaty',
  telephony: {
    methods: ['lookup', 'call'],
    followUpMs: 4 * 3_600_000,
    ringTimeoutSec: 30,
    timeLimitSec: 120,
    callbackGraceMs: 30_000,
    callsPerSecond: 1,
    maxConcurrentCalls: 2,
    lookupFields: [],
    callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' },
    perNumberPerDay: 1,
    perNumberPerWeek: 3,
    monthlySpendCap: 20,
    estimatedCallCost: 0.25,
    kazakhPromptAudio: null,
    minSlots: 2,
    answerConfirmations: 1,
  },
  centers: CENTER_DEFAULTS,
  board: { directoryDays: 30, pageSize: 50 },
  alerts: ALERT_DEFAULTS,
  maintenance: [],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Loads the file (if any) and the environment into a validated Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, explicitFile?: string): Config {
  const file = explicitFile ?? env.REACHWATCH_CONFIG ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null);
  let raw: Obj = {};
  let where = (keys: (string | number)[]) => keys.join('.');
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
  return buildConfig(raw, env, file, where, file ? path.dirname(file) : process.cwd());
}

export function buildConfig(
  raw: Obj,
  env: NodeJS.ProcessEnv,
  file: string | null,
  where: (keys: (string | number)[]) => string,
  baseDir: string,
): Config {
  const problems: string[] = [];
  const sections = ['http', 'data_dir', 'registry', 'log', 'scheduler', 'website', 'status', 'canaries', 'store', 'default_timezone', 'telephony', 'centers', 'board', 'alerts', 'maintenance'];
  for (const k of Object.keys(raw)) if (!sections.includes(k)) problems.push(`${where([k])}: unknown section "${k}"; known sections are ${sections.join(', ')}.`);

  const section = (name: string): Obj => {
    const v = raw[name];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) {
      problems.push(`${where([name])}: must be a mapping of keys.`);
      return {};
    }
    return v;
  };
  const known = (name: string, obj: Obj, keys: string[]) => {
    for (const k of Object.keys(obj)) if (!keys.includes(k)) problems.push(`${where([name, k])}: unknown key "${k}" in ${name}; known keys are ${keys.join(', ')}.`);
  };
  const int = (name: string, obj: Obj, key: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = obj[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${where([name, key])}: must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}.`);
      return dflt;
    }
    return v;
  };
  const duration = (name: string, obj: Obj, key: string, dflt: number): number => {
    const v = obj[key];
    if (v === undefined) return dflt;
    const ms = typeof v === 'string' ? parseDuration(v) : typeof v === 'number' ? v : null;
    if (ms === null || ms <= 0) {
      problems.push(`${where([name, key])}: must be a duration like "500ms", "10s" or "5m", not ${JSON.stringify(v)}.`);
      return dflt;
    }
    return ms;
  };
  const str = (name: string, obj: Obj, key: string, dflt: string): string => {
    const v = obj[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v === '') {
      problems.push(`${where([name, key])}: must be a non-empty string.`);
      return dflt;
    }
    return v;
  };
  const bool = (name: string, obj: Obj, key: string, dflt: boolean): boolean => {
    const v = obj[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      problems.push(`${where([name, key])}: must be true or false.`);
      return dflt;
    }
    return v;
  };
  const D = DEFAULTS;

  const http = section('http');
  known('http', http, ['host', 'port', 'cors_origins', 'rate_limit', 'body_limit']);
  let corsOrigins: string[] | '*' = D.http.corsOrigins;
  const cors = http.cors_origins;
  if (cors === '*') corsOrigins = '*';
  else if (cors !== undefined && cors !== null) {
    if (!Array.isArray(cors)) problems.push(`${where(['http', 'cors_origins'])}: must be a list of origins such as https://board.example.kz, or "*" for any.`);
    else {
      corsOrigins = [];
      cors.forEach((o, i) => {
        let origin: string | null = null;
        try {
          // An origin is scheme, host and port only: "https://a.kz/" or "https://a.kz/board" would never match a browser's Origin header.
          const u = new URL(String(o));
          if (typeof o === 'string' && ['http:', 'https:'].includes(u.protocol) && u.origin === o) origin = o;
        } catch {
          origin = null;
        }
        if (o === '*') problems.push(`${where(['http', 'cors_origins', i])}: "*" allows any origin; write cors_origins: "*" instead of a list.`);
        else if (origin === null) problems.push(`${where(['http', 'cors_origins', i])}: ${JSON.stringify(o)} is not an origin like https://board.example.kz (scheme, host and optional port; no path or trailing slash).`);
        else (corsOrigins as string[]).push(origin);
      });
    }
  }
  let rateLimit = D.http.rateLimit;
  const rl = http.rate_limit;
  if (rl !== undefined && rl !== null) {
    if (!isObj(rl)) problems.push(`${where(['http', 'rate_limit'])}: must be {max: requests, window: duration}, e.g. {max: 600, window: 1m}; max 0 turns it off.`);
    else {
      for (const k of Object.keys(rl)) if (k !== 'max' && k !== 'window') problems.push(`${where(['http', 'rate_limit', k])}: unknown key "${k}" in http.rate_limit; known keys are max, window.`);
      let { max, windowMs } = D.http.rateLimit;
      if (rl.max !== undefined) {
        if (typeof rl.max !== 'number' || !Number.isInteger(rl.max) || rl.max < 0 || rl.max > 1_000_000) {
          problems.push(`${where(['http', 'rate_limit', 'max'])}: must be a whole number of requests from 0 (no limit) to 1000000, not ${JSON.stringify(rl.max)}.`);
        } else max = rl.max;
      }
      if (rl.window !== undefined) {
        const ms = typeof rl.window === 'string' ? parseDuration(rl.window) : null;
        if (ms === null || ms <= 0) problems.push(`${where(['http', 'rate_limit', 'window'])}: must be a duration like "1m" or "10s", not ${JSON.stringify(rl.window)}.`);
        else windowMs = ms;
      }
      rateLimit = { max, windowMs };
    }
  }
  const dataDirRaw = raw.data_dir;
  if (dataDirRaw !== undefined && typeof dataDirRaw !== 'string') problems.push(`${where(['data_dir'])}: must be a folder path.`);

  const registry = section('registry');
  known('registry', registry, ['file', 'watch']);
  const log = section('log');
  known('log', log, ['level']);
  const level = str('log', log, 'level', D.log.level);
  const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!LEVELS.includes(level)) problems.push(`${where(['log', 'level'])}: must be one of ${LEVELS.join(', ')}.`);
  // The environment wins over the file, so it is checked on its own: pino would throw a bare "unknown level".
  if (env.LOG_LEVEL && !LEVELS.includes(env.LOG_LEVEL)) problems.push(`LOG_LEVEL=${env.LOG_LEVEL} is not a log level; use one of ${LEVELS.join(', ')}.`);

  const sched = section('scheduler');
  known('scheduler', sched, ['concurrency', 'per_host_concurrency', 'jitter', 'defaults', 'channels']);
  const defaults = { ...D.scheduler.defaults };
  const dRaw = sched.defaults;
  if (dRaw !== undefined) {
    if (!isObj(dRaw)) problems.push(`${where(['scheduler', 'defaults'])}: must map a probe method (website, lookup, call) to a schedule.`);
    else
      for (const [type, spec] of Object.entries(dRaw)) {
        if (!isScheduledMethod(type)) problems.push(`${where(['scheduler', 'defaults', type])}: unknown probe method "${type}"; use website, lookup or call.`);
        else if (typeof spec !== 'string') problems.push(`${where(['scheduler', 'defaults', type])}: must be a schedule such as "5m" or "*/10 * * * *".`);
        else {
          const s = parseSchedule(spec, D.defaultTimezone);
          if ('error' in s) problems.push(`${where(['scheduler', 'defaults', type])}: ${s.error}`);
          else defaults[type] = spec;
        }
      }
  }
  const channelSchedules: Record<string, string> = {};
  const cRaw = sched.channels;
  if (cRaw !== undefined) {
    if (!isObj(cRaw)) problems.push(`${where(['scheduler', 'channels'])}: must map channel ids to schedules.`);
    else
      for (const [id, spec] of Object.entries(cRaw)) {
        const s = typeof spec === 'string' ? parseSchedule(spec, D.defaultTimezone) : { error: 'must be a schedule string.' };
        if ('error' in s) problems.push(`${where(['scheduler', 'channels', id])}: ${s.error}`);
        else channelSchedules[id] = spec as string;
      }
  }

  const web = section('website');
  known('website', web, [
    'connect_timeout', 'tls_timeout', 'headers_timeout', 'total_timeout', 'max_redirects', 'max_body_bytes', 'user_agent', 'slow', 'cert_expiry_warn_days', 'resolve',
  ]);
  const resolve: Record<string, string> = {};
  if (web.resolve !== undefined) {
    if (!isObj(web.resolve)) problems.push(`${where(['website', 'resolve'])}: must map host names to IP addresses.`);
    else
      for (const [host, ip] of Object.entries(web.resolve)) {
        if (typeof ip !== 'string' || !/^[0-9a-f:.]+$/i.test(ip)) problems.push(`${where(['website', 'resolve', host])}: must be an IP address.`);
        else resolve[host.toLowerCase()] = ip;
      }
  }

  const status = section('status');
  known('status', status, ['confirmations']);
  const canaries = section('canaries');
  known('canaries', canaries, ['urls', 'max_age', 'timeout']);
  const urls: string[] = [];
  if (canaries.urls !== undefined) {
    if (!Array.isArray(canaries.urls)) problems.push(`${where(['canaries', 'urls'])}: must be a list of URLs.`);
    else
      canaries.urls.forEach((u, i) => {
        let ok = false;
        try {
          ok = typeof u === 'string' && ['http:', 'https:'].includes(new URL(u).protocol);
        } catch {
          ok = false;
        }
        if (!ok) problems.push(`${where(['canaries', 'urls', i])}: ${JSON.stringify(u)} is not an http(s) URL.`);
        else urls.push(u as string);
      });
  }
  const store = section('store');
  known('store', store, ['batch_max_rows', 'flush_interval', 'retention', 'stall_after']);
  let retentionMs: number | null = null;
  if (store.retention !== undefined && store.retention !== null && store.retention !== 'forever') {
    const ms = typeof store.retention === 'string' ? parseDuration(store.retention) : null;
    if (ms === null || ms < 62 * 86_400_000) problems.push(`${where(['store', 'retention'])}: must be "forever" or a duration of at least 62d (the calling limits read two months of call records), such as 730d, not ${JSON.stringify(store.retention)}.`);
    else retentionMs = ms;
  }
  const flushIntervalMs = duration('store', store, 'flush_interval', D.store.flushIntervalMs);
  // Results wait up to flush_interval by design: the default stall threshold leaves them twice that.
  const stallAfterMs = duration('store', store, 'stall_after', Math.max(D.store.stallAfterMs, 2 * flushIntervalMs));
  const tz = typeof raw.default_timezone === 'string' ? raw.default_timezone : D.defaultTimezone;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    problems.push(`${where(['default_timezone'])}: "${tz}" is not an IANA time zone (for example Asia/Almaty).`);
  }

  const boardSection = section('board');
  known('board', boardSection, ['directory_days', 'page_size']);
  const tel = section('telephony');
  known('telephony', tel, [
    'methods', 'follow_up', 'ring_timeout', 'time_limit', 'callback_grace', 'calls_per_second', 'max_concurrent_calls', 'lookup_fields', 'calling_hours',
    'per_number', 'monthly_spend_cap', 'estimated_call_cost', 'kazakh_prompt_audio', 'min_slots', 'answer_confirmations',
  ]);
  const T = D.telephony;
  let methods = T.methods;
  if (tel.methods !== undefined) {
    if (!Array.isArray(tel.methods) || tel.methods.some((m) => m !== 'lookup' && m !== 'call')) {
      problems.push(`${where(['telephony', 'methods'])}: must be a list of lookup and/or call.`);
    } else methods = tel.methods as ('lookup' | 'call')[];
  }
  const number = (name: string, obj: Obj, key: string, dflt: number, min: number): number => {
    const v = obj[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      problems.push(`${where([name, key])}: must be a number of at least ${min}, not ${JSON.stringify(v)}.`);
      return dflt;
    }
    return v;
  };
  let callingHours = T.callingHours;
  const ch = tel.calling_hours;
  if (ch !== undefined) {
    const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
    const ok =
      isObj(ch) &&
      Array.isArray(ch.days) && ch.days.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= 7) &&
      typeof ch.from === 'string' && hhmm.test(ch.from) && typeof ch.to === 'string' && hhmm.test(ch.to) && ch.from < ch.to;
    if (!ok) problems.push(`${where(['telephony', 'calling_hours'])}: must be {days: [1..7, Monday = 1], from: "HH:MM", to: "HH:MM"} with from before to.`);
    else callingHours = { days: ch.days as number[], from: ch.from as string, to: ch.to as string };
  }
  const perNumber = isObj(tel.per_number) ? tel.per_number : {};
  if (tel.per_number !== undefined && !isObj(tel.per_number)) problems.push(`${where(['telephony', 'per_number'])}: must be {per_day, per_week}.`);
  const lookupFields = Array.isArray(tel.lookup_fields) ? (tel.lookup_fields as unknown[]).filter((f): f is string => typeof f === 'string') : T.lookupFields;
  const audio = tel.kazakh_prompt_audio;
  if (audio !== undefined && audio !== null && (typeof audio !== 'string' || !/^https?:\/\//.test(audio))) {
    problems.push(`${where(['telephony', 'kazakh_prompt_audio'])}: must be an http(s) URL of a recording Twilio can fetch.`);
  }
  const telephony: TelephonyConfig = {
    methods,
    followUpMs: duration('telephony', tel, 'follow_up', T.followUpMs),
    ringTimeoutSec: Math.round(duration('telephony', tel, 'ring_timeout', T.ringTimeoutSec * 1000) / 1000),
    timeLimitSec: Math.round(duration('telephony', tel, 'time_limit', T.timeLimitSec * 1000) / 1000),
    callbackGraceMs: duration('telephony', tel, 'callback_grace', T.callbackGraceMs),
    callsPerSecond: number('telephony', tel, 'calls_per_second', T.callsPerSecond, 0.01),
    maxConcurrentCalls: int('telephony', tel, 'max_concurrent_calls', T.maxConcurrentCalls, 1, 100),
    lookupFields,
    callingHours,
    perNumberPerDay: int('telephony', perNumber, 'per_day', T.perNumberPerDay, 0, 100),
    perNumberPerWeek: int('telephony', perNumber, 'per_week', T.perNumberPerWeek, 0, 700),
    monthlySpendCap: number('telephony', tel, 'monthly_spend_cap', T.monthlySpendCap, 0),
    estimatedCallCost: number('telephony', tel, 'estimated_call_cost', T.estimatedCallCost, 0),
    kazakhPromptAudio: typeof audio === 'string' ? audio : null,
    minSlots: int('telephony', tel, 'min_slots', T.minSlots, 1, 14),
    answerConfirmations: int('telephony', tel, 'answer_confirmations', T.answerConfirmations, 1, 10),
  };

  const twilioTimeout = twilioTimeoutFromEnv(env);
  if ('problem' in twilioTimeout) problems.push(twilioTimeout.problem);

  const portEnv = env.PORT;
  let port = int('http', http, 'port', D.http.port, 0, 65535);
  if (portEnv !== undefined && portEnv !== '') {
    const p = Number(portEnv);
    if (!Number.isInteger(p) || p < 0 || p > 65535) problems.push(`PORT=${portEnv} is not a port number (0-65535).`);
    else port = p;
  }
  const host = env.HOST || str('http', http, 'host', D.http.host);
  const resolvePath = (p: string) => (path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  const dataDir = env.REACHWATCH_DATA_DIR
    ? path.resolve(env.REACHWATCH_DATA_DIR)
    : typeof dataDirRaw === 'string'
      ? resolvePath(dataDirRaw)
      : D.dataDir;
  const registryFile = env.REACHWATCH_REGISTRY
    ? path.resolve(env.REACHWATCH_REGISTRY)
    : typeof registry.file === 'string'
      ? resolvePath(registry.file)
      : D.registry.file;

  const config: Config = {
    file,
    http: { host, port, corsOrigins, rateLimit, bodyLimit: int('http', http, 'body_limit', D.http.bodyLimit, 1024, 100 * 1024 * 1024) },
    dataDir,
    registry: { file: registryFile, watch: bool('registry', registry, 'watch', D.registry.watch) },
    log: { level: env.LOG_LEVEL || level },
    scheduler: {
      concurrency: int('scheduler', sched, 'concurrency', D.scheduler.concurrency, 1, 10_000),
      perHostConcurrency: int('scheduler', sched, 'per_host_concurrency', D.scheduler.perHostConcurrency, 1, 1000),
      jitterMs: duration('scheduler', sched, 'jitter', D.scheduler.jitterMs),
      defaults,
      channels: channelSchedules,
    },
    website: {
      connectTimeoutMs: duration('website', web, 'connect_timeout', D.website.connectTimeoutMs),
      tlsTimeoutMs: duration('website', web, 'tls_timeout', D.website.tlsTimeoutMs),
      headersTimeoutMs: duration('website', web, 'headers_timeout', D.website.headersTimeoutMs),
      totalTimeoutMs: duration('website', web, 'total_timeout', D.website.totalTimeoutMs),
      maxRedirects: int('website', web, 'max_redirects', D.website.maxRedirects, 0, 30),
      maxBodyBytes: int('website', web, 'max_body_bytes', D.website.maxBodyBytes, 1024, 10_000_000),
      userAgent: str('website', web, 'user_agent', D.website.userAgent),
      slowMs: duration('website', web, 'slow', D.website.slowMs),
      certExpiryWarnDays: int('website', web, 'cert_expiry_warn_days', D.website.certExpiryWarnDays, 0, 365),
      resolve,
    },
    status: { confirmations: int('status', status, 'confirmations', D.status.confirmations, 1, 100) },
    canaries: {
      urls,
      maxAgeMs: duration('canaries', canaries, 'max_age', D.canaries.maxAgeMs),
      timeoutMs: canaries.timeout === undefined ? null : duration('canaries', canaries, 'timeout', 10_000),
    },
    store: {
      batchMaxRows: int('store', store, 'batch_max_rows', D.store.batchMaxRows, 1, 100_000),
      flushIntervalMs,
      retentionMs,
      stallAfterMs,
    },
    defaultTimezone: tz,
    telephony,
    centers: parseCentersSection(raw.centers, { env, where, problems }),
    board: {
      directoryDays: int('board', boardSection, 'directory_days', D.board.directoryDays, 1, 3650),
      pageSize: int('board', boardSection, 'page_size', D.board.pageSize, 5, 1000),
    },
    alerts: parseAlertsSection(raw.alerts, { env, where, problems }, Boolean(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN)),
    maintenance: parseMaintenanceSection(raw.maintenance, { env, where, problems }),
  };
  // Results wait up to flush_interval by design; a shorter stall threshold would call that a stall.
  if (store.stall_after !== undefined && config.store.stallAfterMs <= config.store.flushIntervalMs) {
    problems.push(`${where(['store', 'stall_after'])}: must be longer than store.flush_interval (${config.store.flushIntervalMs} ms), not ${JSON.stringify(store.stall_after)}.`);
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
