// Daemon configuration: a YAML file (REACHWATCH_CONFIG, default config/reachwatch.yaml) plus the
// environment (PORT, HOST, REACHWATCH_DATA_DIR). Every section validates itself and fails with a
// sentence that names the file, line and key (Gatus' habit), before anything is opened or written.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYamlSource } from '../util/yaml-source.ts';
import { parseSchedule, parseDuration } from '../scheduler/schedule.ts';
import type { ChannelType } from '../domain.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_CONFIG_FILE = path.join(PROJECT_ROOT, 'config', 'reachwatch.yaml');

export interface Config {
  file: string | null;
  http: { host: string; port: number };
  dataDir: string;
  registry: { file: string; watch: boolean };
  log: { level: string };
  scheduler: {
    concurrency: number;
    perHostConcurrency: number;
    jitterMs: number;
    defaults: Record<ChannelType, string>;
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
  canaries: { urls: string[]; maxAgeMs: number };
  store: { batchMaxRows: number; flushIntervalMs: number };
  defaultTimezone: string;
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
  http: { host: '127.0.0.1', port: 8080 },
  dataDir: path.join(process.cwd(), 'data'),
  registry: { file: path.join(PROJECT_ROOT, 'config', 'centers.yaml'), watch: true },
  log: { level: 'info' },
  scheduler: {
    concurrency: 256,
    perHostConcurrency: 2,
    jitterMs: 2000,
    defaults: { website: '5m', phone: '1d' },
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
  canaries: { urls: [], maxAgeMs: 15_000 },
  store: { batchMaxRows: 1000, flushIntervalMs: 200 },
  defaultTimezone: 'Asia/Almaty',
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
  const sections = ['http', 'data_dir', 'registry', 'log', 'scheduler', 'website', 'status', 'canaries', 'store', 'default_timezone'];
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
  known('http', http, ['host', 'port']);
  const dataDirRaw = raw.data_dir;
  if (dataDirRaw !== undefined && typeof dataDirRaw !== 'string') problems.push(`${where(['data_dir'])}: must be a folder path.`);

  const registry = section('registry');
  known('registry', registry, ['file', 'watch']);
  const log = section('log');
  known('log', log, ['level']);
  const level = str('log', log, 'level', D.log.level);
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) problems.push(`${where(['log', 'level'])}: must be one of fatal, error, warn, info, debug, trace, silent.`);

  const sched = section('scheduler');
  known('scheduler', sched, ['concurrency', 'per_host_concurrency', 'jitter', 'defaults', 'channels']);
  const defaults = { ...D.scheduler.defaults };
  const dRaw = sched.defaults;
  if (dRaw !== undefined) {
    if (!isObj(dRaw)) problems.push(`${where(['scheduler', 'defaults'])}: must map a channel type (website, phone) to a schedule.`);
    else
      for (const [type, spec] of Object.entries(dRaw)) {
        if (type !== 'website' && type !== 'phone') problems.push(`${where(['scheduler', 'defaults', type])}: unknown channel type "${type}"; use website or phone.`);
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
  known('canaries', canaries, ['urls', 'max_age']);
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
  known('store', store, ['batch_max_rows', 'flush_interval']);
  const tz = typeof raw.default_timezone === 'string' ? raw.default_timezone : D.defaultTimezone;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    problems.push(`${where(['default_timezone'])}: "${tz}" is not an IANA time zone (for example Asia/Almaty).`);
  }

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
    http: { host, port },
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
    canaries: { urls, maxAgeMs: duration('canaries', canaries, 'max_age', D.canaries.maxAgeMs) },
    store: {
      batchMaxRows: int('store', store, 'batch_max_rows', D.store.batchMaxRows, 1, 100_000),
      flushIntervalMs: duration('store', store, 'flush_interval', D.store.flushIntervalMs),
    },
    defaultTimezone: tz,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}
