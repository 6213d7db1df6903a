// A loopback SMTP server (the smtp-server package) that keeps what it is sent, parsed just enough
// for tests to read: envelope, decoded headers (RFC 2047 encoded words) and the text/plain body
// (base64 or quoted-printable, any charset TextDecoder knows). No TLS: loopback only.
//
//   const smtp = await startSmtpServer({ rejectRecipients: (a) => a.startsWith('gone@') });
//   ... send to 127.0.0.1:smtp.port ...
//   await smtp.waitFor(1);
//   expect(smtp.messages[0]?.subject).toBe('Центр недоступен');
//   await smtp.close();

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's MAIL FROM. */
  from: string;
  /** The envelope's accepted RCPT TO addresses. */
  to: string[];
  subject: string;
  /** The first text/plain part, decoded, with CRLF line ends turned into LF and the final line break dropped. */
  text: string;
  /** The Message-ID header as sent, angle brackets included. */
  messageId: string;
  /** Headers by lower-case name (the first occurrence), unfolded and decoded. */
  headers: Record<string, string>;
  raw: string;
}

export interface SmtpServerOptions {
  /** Recipients answered `550 Mailbox unavailable` at RCPT TO. */
  rejectRecipients?: (address: string) => boolean;
  /** Answer `451` after DATA to the first N messages. */
  failFirst?: number;
  /** Require AUTH with these credentials (otherwise AUTH is optional and anything is accepted). */
  auth?: { user: string; pass: string };
  /**
   * Never answer: 'rcpt' at RCPT TO (before any content), 'data' once the whole message is in
   * (the client sent its content and waits for the final reply; the message is kept in `stalled`).
   */
  stall?: 'rcpt' | 'data';
}

export interface SmtpTestServer {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Every DATA the server answered, accepted or not. */
  readonly attempts: number;
  /** Messages taken in whole but never answered (stall: 'data'). */
  readonly stalled: ReceivedMail[];
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpServer(opts: SmtpServerOptions = {}): Promise<SmtpTestServer> {
  const messages: ReceivedMail[] = [];
  const stalled: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let attempts = 0;

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: opts.auth === undefined,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      const ok = opts.auth === undefined || (auth.username === opts.auth.user && auth.password === opts.auth.pass);
      if (ok) callback(null, { user: auth.username ?? 'anonymous' });
      else callback(withCode(new Error('Authentication credentials invalid'), 535));
    },
    onRcptTo(address, _session, callback) {
      if (opts.stall === 'rcpt') return;
      if (opts.rejectRecipients?.(address.address) === true) callback(withCode(new Error('Mailbox unavailable'), 550));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (opts.stall === 'data') {
          const mailFrom = session.envelope.mailFrom;
          stalled.push(parseMail(Buffer.concat(chunks).toString('latin1'), mailFrom === false ? '' : mailFrom.address, session.envelope.rcptTo.map((r) => r.address)));
          return;
        }
        attempts += 1;
        if (attempts <= (opts.failFirst ?? 0)) {
          callback(withCode(new Error('Requested action aborted: try again later'), 451));
          return;
        }
        const raw = Buffer.concat(chunks).toString('latin1');
        const mailFrom = session.envelope.mailFrom;
        messages.push(parseMail(raw, mailFrom === false ? '' : mailFrom.address, session.envelope.rcptTo.map((r) => r.address)));
        for (const wake of waiters) wake();
        callback(null, 'Queued');
      });
    },
  });
  // smtp-server reports client hiccups as 'error' events; an unhandled one would crash the test worker.
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    messages,
    stalled,
    get attempts() {
      return attempts;
    },
    waitFor(want, timeoutMs = 5000) {
      if (messages.length >= want) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = (): void => {
          if (messages.length < want) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`timed out after ${timeoutMs} ms: ${messages.length} of ${want} messages received`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function withCode(err: Error, responseCode: number): Error {
  return Object.assign(err, { responseCode });
}

// ---- a small RFC 5322 / MIME reader ---------------------------------------------------------------
// `raw` is held as latin1 so every byte survives until a part's charset is known.

interface Part {
  headers: Record<string, string>;
  body: string;
}

export function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const top = splitPart(raw);
  const textPart = findText(top) ?? top;
  return {
    from,
    to,
    subject: top.headers.subject ?? '',
    text: decodeBody(textPart).replace(/\r\n/g, '\n'),
    messageId: top.headers['message-id'] ?? '',
    headers: top.headers,
    raw: Buffer.from(raw, 'latin1').toString('utf8'),
  };
}

function splitPart(raw: string): Part {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function findText(part: Part): Part | undefined {
  const type = part.headers['content-type'] ?? 'text/plain';
  if (/^text\/plain/i.test(type)) return part;
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || boundary === undefined) return undefined;
  const pieces = part.body.split(`--${boundary}`).slice(1);
  for (const piece of pieces) {
    if (piece.startsWith('--')) break;
    const found = findText(splitPart(piece.replace(/^\r?\n/, '')));
    if (found !== undefined) return found;
  }
  return undefined;
}

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? quotedPrintable(part.body)
        : Buffer.from(part.body, 'latin1');
  return new TextDecoder(charsetOf(part.headers['content-type'])).decode(bytes).replace(/\r?\n$/, '');
}

function charsetOf(contentType: string | undefined): string {
  return /charset="?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8';
}

function quotedPrintable(text: string): Buffer {
  const unwrapped = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unwrapped.length; i++) {
    const hex = unwrapped.slice(i + 1, i + 3);
    if (unwrapped[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(unwrapped.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/**
 * RFC 2047 encoded words. Adjacent words are joined before decoding (the space between them is not
 * text), so a multi-byte character split across two words still comes out whole.
 */
function decodeWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | null = null;
  const flush = (): void => {
    if (pending !== null) out += new TextDecoder(pending.charset).decode(Buffer.concat(pending.bytes));
    pending = null;
  };
  for (let m = word.exec(value); m !== null; m = word.exec(value)) {
    const between = value.slice(last, m.index);
    const charset = (m[1] ?? 'utf-8').replace(/\*.*$/, '').toLowerCase(); // drop an RFC 2231 language tag
    if (pending === null || between.trim() !== '' || pending.charset !== charset) {
      flush();
      out += Buffer.from(between, 'latin1').toString('utf8');
    }
    const text = m[3] ?? '';
    const bytes = /b/i.test(m[2] ?? '') ? Buffer.from(text, 'base64') : quotedPrintable(text.replace(/_/g, ' '));
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = m.index + m[0].length;
  }
  flush();
  return out + Buffer.from(value.slice(last), 'latin1').toString('utf8');
}
