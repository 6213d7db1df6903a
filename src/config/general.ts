// Top-level settings no single module owns: the log level (LOG_LEVEL wins) and the default time zone.

import { fieldsOf, knownKeys, sectionOf, type Obj, type SectionContext, type SectionDoc } from './section.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_DEFAULTS = { level: 'info' };
export const TIMEZONE_DEFAULT = 'Asia/Almaty';

export const LOG_DOC: SectionDoc = {
  section: 'log',
  about: 'Logging (pino, JSON lines on stdout).',
  keys: [{ key: 'level', default: LOG_DEFAULTS.level, meaning: `One of ${LOG_LEVELS.join(', ')}.`, env: 'LOG_LEVEL' }],
};

export const TIMEZONE_DOC: SectionDoc = {
  section: 'default_timezone',
  about: 'The time zone of centers whose registry entry has no tz_iana.',
  keys: [{ key: '', default: TIMEZONE_DEFAULT, meaning: 'An IANA time zone; cron schedules and calling hours of those centers follow it.' }],
};

export function parseLogSection(raw: Obj, ctx: SectionContext): { level: string } {
  const log = sectionOf(raw, 'log', ctx);
  const f = fieldsOf(ctx, 'log', log);
  f.known(knownKeys(LOG_DOC));
  const level = f.str('level', LOG_DEFAULTS.level);
  if (!LOG_LEVELS.includes(level)) ctx.problems.push(`${ctx.where(['log', 'level'])}: must be one of ${LOG_LEVELS.join(', ')}.`);
  // The environment wins over the file, so it is checked on its own: pino would throw a bare "unknown level".
  const env = ctx.env.logLevel;
  if (env && !LOG_LEVELS.includes(env)) ctx.problems.push(`LOG_LEVEL=${env} is not a log level; use one of ${LOG_LEVELS.join(', ')}.`);
  return { level: env || level };
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
