// pino: JSON lines in production (for a log shipper), one readable line per entry on a terminal (for
// a person), written by `prettyLines` below: pino-pretty is a development dependency, absent from
// production installs, and its transport runs in a worker thread the daemon would have to drain.
// Secrets are redacted by path; URLs are scrubbed of credentials and tokens, which path redaction
// cannot see inside a string.

import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'res.headers["set-cookie"]',
  '*.authToken',
  '*.auth_token',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
];

/** Removes userinfo, Telegram-style `/bot<token>/` segments and token-like query parameters. */
export function scrubUrl(url: string): string {
  return url
    .replace(/\/\/[^/@\s]+@/, '//***@')
    .replace(/\/bot[^/\s]+/, '/bot***')
    .replace(/([?&](?:token|key|sig|signature|secret|password|auth)[^=&]*=)[^&\s]*/gi, '$1***');
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

function inline(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One JSON log line as a person reads it: "12:03:04.512 WARN  message key=value ...", the error's stack beneath. */
export function formatLogLine(json: string, colour = false): string {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = typeof e.level === 'number' ? e.level : 30;
  const name = (LEVEL_NAMES[level] ?? String(level)).padEnd(5);
  const time = typeof e.time === 'number' ? new Date(e.time).toTimeString().slice(0, 8) + `.${String(e.time % 1000).padStart(3, '0')}` : '';
  const err = e.err as { stack?: string } | undefined;
  const fields = Object.entries(e)
    .filter(([k]) => !OMIT.has(k) && k !== 'err')
    .map(([k, v]) => `${k}=${inline(v)}`);
  if (err && typeof err === 'object') fields.push(`err=${inline((err as { message?: string }).message ?? err)}`);
  const tag = colour ? `\u001b[${LEVEL_COLOURS[level] ?? '0'}m${name}\u001b[0m` : name;
  let line = `${time} ${tag} ${typeof e.msg === 'string' ? e.msg : ''}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
  if (err?.stack) line += `${err.stack.replace(/^/gm, '    ')}\n`;
  return line;
}

/** A pino destination that writes each entry as `formatLogLine` does. */
export function prettyLines(out: { write(line: string): unknown }, colour: boolean): { write(line: string): boolean } {
  return { write: (line: string) => out.write(formatLogLine(line, colour)) !== false };
}

/**
 * `format`: 'auto' (the default) is readable lines when the destination (stdout unless given) is a
 * terminal and JSON lines otherwise; 'json' and 'pretty' choose (REACHWATCH_LOG_FORMAT, log.format).
 * `pretty` (a boolean) is the older way to say 'pretty' or 'json'.
 */
export function createLogger(opts: { level: string; pretty?: boolean; format?: 'auto' | 'json' | 'pretty'; destination?: (NodeJS.WritableStream | pino.DestinationStream) & { isTTY?: boolean } }): Logger {
  const out = opts.destination ?? process.stdout;
  const format = opts.format ?? (opts.pretty === undefined ? 'auto' : opts.pretty ? 'pretty' : 'json');
  const pretty = format === 'pretty' || (format === 'auto' && (out as { isTTY?: boolean }).isTTY === true);
  const base = {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Request headers are never logged (cookies, tokens, Twilio signatures); the URL is scrubbed.
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: req.url === undefined ? undefined : scrubUrl(req.url), ip: req.ip }),
      err: pino.stdSerializers.err,
    },
  };
  if (pretty) return pino(base, prettyLines(out, (out as { isTTY?: boolean }).isTTY === true));
  return opts.destination ? pino(base, opts.destination) : pino(base);
}
