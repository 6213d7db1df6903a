// pino: JSON lines in production (for a log shipper), pretty on a terminal (for a person).
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

/** pino-pretty is a development dependency: production images log JSON even on a terminal. */
function prettyAvailable(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function createLogger(opts: { level: string; pretty?: boolean; destination?: pino.DestinationStream }): Logger {
  const pretty = (opts.pretty ?? (process.stdout.isTTY === true && !opts.destination)) && prettyAvailable();
  const base = {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Request headers are never logged (cookies, tokens, Twilio signatures); the URL is scrubbed.
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: req.url === undefined ? undefined : scrubUrl(req.url), ip: req.ip }),
      err: pino.stdSerializers.err,
    },
  };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return opts.destination ? pino(base, opts.destination) : pino(base);
}
