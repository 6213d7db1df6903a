// Email through one SMTP relay, over a small pool of kept-open connections. The Message-ID is made
// from the outbox id, so a message we had to resend is recognisable as the same alert.

import type { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer';
import { DeliveryError, type AlertMessage, type AlertSender, type Delivered, type DeliveryTarget } from '../channel.ts';

export interface EmailSenderOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when offered or required. */
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTls: boolean;
  tlsRejectUnauthorized: boolean;
  timeoutMs: number;
}

// Failures that are about our side of the conversation (credentials, sender): the address is not at fault.
const OUR_SIDE_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);

export function createEmailSender(opts: EmailSenderOptions): AlertSender {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: opts.host,
    port: opts.port,
    secure: opts.secure,
    requireTLS: opts.requireTls,
    tls: { rejectUnauthorized: opts.tlsRejectUnauthorized },
    ...(opts.user !== null ? { auth: { user: opts.user, pass: opts.password ?? '' } } : {}),
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
    // Alerts carry no attachments; nothing in a message may make us read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  // The message's content streams only once the server has taken DATA (354). While none of it was
  // read, a timeout or a dropped connection proves the server has nothing; after, it may have it
  // all and have lost only our connection before its 250 (RFC 5321 §4.1.1.4 leaves that to the
  // receiver's duplicate detection, by Message-ID). nodemailer's pool reads the same flag to decide
  // whether a message may go out over another connection. Keyed by Message-ID: one send per row.
  const contentStreams = new Map<string, Readable[]>();
  transport.use('stream', (mail, done) => {
    const streams = contentStreams.get(String(mail.data.messageId));
    if (streams) {
      const message = mail.message;
      const create = message.createReadStream.bind(message);
      message.createReadStream = (options) => {
        const stream = create(options);
        streams.push(stream);
        return stream;
      };
    }
    done();
  });
  return {
    kind: 'email',
    async send(message: AlertMessage, target: DeliveryTarget, signal: AbortSignal): Promise<Delivered> {
      if (target.kind !== 'email') throw new DeliveryError(`The email sender cannot deliver to a ${target.kind} target`, { permanent: true, outcome: 'failed' });
      if (target.to.length === 0) throw new DeliveryError('No email recipients', { permanent: true, outcome: 'failed' });
      const messageId = `<${message.id}@reachwatch>`;
      const streams: Readable[] = [];
      contentStreams.set(messageId, streams);
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: target.to,
          subject: message.subject,
          text: message.text,
          messageId,
          headers: { 'X-Reachwatch-Alert-Id': message.id },
          signal,
        });
        const rejected = info.rejected.length > 0 ? ` (rejected: ${info.rejected.join(', ')})` : '';
        return { detail: info.response + rejected };
      } catch (err) {
        throw classify(err as NodemailerError, streams.some((s) => s.readableDidRead));
      } finally {
        contentStreams.delete(messageId);
      }
    },
    close: async () => transport.close(),
  };
}

/** `contentSent`: the server took DATA and some of the message went out (see contentStreams). */
function classify(err: NodemailerError, contentSent: boolean): DeliveryError {
  const reply = oneLine(err.response ?? err.message);
  // Without a reply from the server, whether it has the message turns on whether its content left.
  const noReply = contentSent ? 'unknown' : 'failed';
  if (err.code === 'EABORT' || err.name === 'AbortError') return new DeliveryError('Email delivery aborted', { permanent: false, outcome: noReply });
  if (err.code !== undefined && OUR_SIDE_CODES.has(err.code)) {
    return new DeliveryError(`SMTP authentication failed: ${reply}`, { permanent: false, outcome: 'failed' });
  }
  if (typeof err.responseCode === 'number') {
    // The server answered, and not with 2yz: it did not take the message.
    // A refused MAIL FROM is our configured sender, like bad credentials: fixable on our side.
    if (err.command === 'MAIL FROM') return new DeliveryError(`SMTP refused our sender: ${reply}`, { permanent: false, outcome: 'failed' });
    // nodemailer reads the reply class for us: 5yz is permanent, except 503 (bad sequence, a session problem).
    const permanent = err.permanent ?? (err.responseCode >= 500 && err.responseCode !== 503);
    return new DeliveryError(reply, { permanent, outcome: 'failed' });
  }
  // No SMTP reply: an address nodemailer could not even put in an envelope is as bad as a 5yz.
  if (err.code === 'EENVELOPE' || err.code === 'EMAXRECIPIENTS') return new DeliveryError(reply, { permanent: true, outcome: 'failed' });
  // Connection, DNS, TLS and timeouts (ECONNECTION, ESOCKET, ETIMEDOUT, EDNS, ETLS ...).
  const code = [err.originalCode ?? err.code, err.timeoutType].filter((c) => c !== undefined && !reply.includes(c)).join(' ');
  return new DeliveryError(code !== '' ? `${code}: ${reply}` : reply, { permanent: false, outcome: noReply });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
