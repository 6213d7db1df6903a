// Top-level settings no single module owns: the log level (LOG_LEVEL wins) and the default time zone.

import { fieldsOf, knownKeys, sectionOf, type Obj, type SectionContext, type SectionDoc } from './section.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_DEFAULTS: { level: string; format: LogFormat } = { level: 'info', format: 'auto' };
export const TIMEZONE_DEFAULT = 'Asia/Almaty';

export const LOG_DOC: SectionDoc = {
  section: 'log',
  about: 'Logging (pino) on stdout: JSON lines, or readable lines on a terminal.',
  keys: [
    { key: 'level', default: LOG_DEFAULTS.level, meaning: `One of ${LOG_LEVELS.join(', ')}.`, env: 'LOG_LEVEL' },
    {
      key: 'format',
      default: LOG_DEFAULTS.format,
      meaning: 'auto: one readable line per entry when stdout is a terminal, JSON lines otherwise (a pipe, a file, a log shipper); json or pretty to choose.',
      env: 'REACHWATCH_LOG_FORMAT',
    },
  ],
};

export const TIMEZONE_DOC: SectionDoc = {
  section: 'default_timezone',
  about: 'The time zone of centers whose registry entry has no tz_iana.',
  keys: [{ key: '', default: TIMEZONE_DEFAULT, meaning: 'An IANA time zone; cron schedules and calling hours of those centers follow it.' }],
};

export function parseLogSection(raw: Obj, ctx: SectionContext): { level: string; format: LogFormat } {
  const log = sectionOf(raw, 'log', ctx);
  const f = fieldsOf(ctx, 'log', log);
  f.known(knownKeys(LOG_DOC));
  const level = f.str('level', LOG_DEFAULTS.level);
  if (!LOG_LEVELS.includes(level)) ctx.problems.push(`${ctx.where(['log', 'level'])}: must be one of ${LOG_LEVELS.join(', ')}.`);
  // The environment wins over the file, so it is checked on its own: pino would throw a bare "unknown level".
  const env = ctx.env.logLevel;
  if (env && !LOG_LEVELS.includes(env)) ctx.problems.push(`LOG_LEVEL=${env} is not a log level; use one of ${LOG_LEVELS.join(', ')}.`);
  const isFormat = (v: string): v is LogFormat => (LOG_FORMATS as readonly string[]).includes(v);
  const fileFormat = f.str('format', LOG_DEFAULTS.format);
  if (!isFormat(fileFormat)) ctx.problems.push(`${ctx.where(['log', 'format'])}: must be one of ${LOG_FORMATS.join(', ')}, not "${fileFormat}".`);
  const envFormat = ctx.env.logFormat;
  if (envFormat && !isFormat(envFormat)) ctx.problems.push(`REACHWATCH_LOG_FORMAT=${envFormat} is not a log format; use one of ${LOG_FORMATS.join(', ')}.`);
  const format = envFormat && isFormat(envFormat) ? envFormat : isFormat(fileFormat) ? fileFormat : LOG_DEFAULTS.format;
  return { level: env || level, format };
}

export function parseDefaultTimezone(raw: Obj, ctx: SectionContext): string {
  const tz = typeof raw.default_timezone === 'string' ? raw.default_timezone : TIMEZONE_DEFAULT;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    ctx.problems.push(`${ctx.where(['default_timezone'])}: "${tz}" is not an IANA time zone (for example Asia/Almaty).`);
  }
  return tz;
}
