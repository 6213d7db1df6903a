// Webhooks signed per the Standard Webhooks spec (https://www.standardwebhooks.com): the outbox id
// is the webhook-id, so a receiver can drop the duplicates our retries will sometimes produce.
// Subscribers type these URLs in, so unless allowPrivate is set the connector refuses addresses
// inside our own network (SSRF), judged by where the socket actually connected, not by the name.

import { randomBytes } from 'node:crypto';
import { BlockList, type Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { buildConnector, type Dispatcher } from 'undici';
import { DeliveryError, type AlertMessage, type AlertSender, type Delivered, type DeliveryTarget } from '../channel.ts';
import { senderAgent } from './http-agent.ts';
import { failedBeforeSending, gatewayTimedOut } from './outcome.ts';

export interface WebhookSenderOptions {
  timeoutMs: number;
  userAgent: string;
  /** Allow loopback and private-network receivers (tests, single-host setups). */
  allowPrivate: boolean;
}

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;
const SNIPPET_BYTES = 300;
// 408/425/429 say "later"; 409 is usually the receiver still busy with this same webhook-id.
const TRANSIENT_4XX = new Set([408, 409, 425, 429]);

/** A fresh signing secret in the form the standardwebhooks package reads: `whsec_` + base64 of 32 bytes. */
export function generateWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64');
}

export function createWebhookSender(opts: WebhookSenderOptions): AlertSender {
  const agent = senderAgent(opts.timeoutMs, opts.allowPrivate ? { timeout: opts.timeoutMs } : guardedConnector(opts.timeoutMs));
  return {
    kind: 'webhook',
    async send(message: AlertMessage, target: DeliveryTarget, signal: AbortSignal): Promise<Delivered> {
      if (target.kind !== 'webhook') throw new DeliveryError(`The webhook sender cannot deliver to a ${target.kind} target`, { permanent: true, outcome: 'failed' });
      const url = parseUrl(target.url);
      const body = JSON.stringify({ type: 'reachwatch.' + message.event, timestamp: new Date(message.createdAt).toISOString(), data: message.data });
      // The signature's timestamp is the attempt's, not the alert's: receivers reject signatures older than ~5 minutes.
      const sentAt = new Date();
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': opts.userAgent,
        'webhook-id': message.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': sign(target.secret, message.id, sentAt, body),
      };
      if (url.username !== '') {
        headers.authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
      }
      const deadline = AbortSignal.timeout(opts.timeoutMs);
      try {
        const res = await agent.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([signal, deadline]),
        });
        return await interpret(res);
      } catch (err) {
        throw failure(err, { signal, deadline, timeoutMs: opts.timeoutMs });
      }
    },
    close: () => agent.close(),
  };
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DeliveryError('The webhook URL is not a valid URL', { permanent: true, outcome: 'failed' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DeliveryError(`The webhook URL must be http(s), not ${url.protocol}`, { permanent: true, outcome: 'failed' });
  }
  return url;
}

function sign(secret: string, id: string, at: Date, body: string): string {
  let hook: Webhook;
  try {
    hook = new Webhook(secret);
  } catch {
    // The package's message is harmless, but ours is guaranteed not to echo any part of the secret.
    throw new DeliveryError('The webhook secret is not a valid whsec_<base64> key', { permanent: true, outcome: 'failed' });
  }
  return hook.sign(id, at, body);
}

async function interpret(res: Dispatcher.ResponseData): Promise<Delivered> {
  const status = res.statusCode;
  if (status >= 200 && status < 300) {
    // Accepted: a body cut short afterwards changes nothing.
    await res.body.dump().catch(() => undefined);
    return { detail: `HTTP ${status}` };
  }
  const snippet = await readSnippet(res.body);
  const said = snippet === '' ? '' : `: ${snippet}`;
  const retryAfterMs = parseRetryAfter(firstHeader(res.headers['retry-after']), Date.now());
  if (status >= 300 && status < 400) {
    const location = clean(firstHeader(res.headers.location) ?? '');
    // A receiver that moved must be re-registered; following it would also walk around the SSRF guard.
    throw new DeliveryError(`HTTP ${status}: redirect${location ? ` to ${location}` : ''} not followed`, { permanent: false, retryAfterMs, outcome: 'failed' });
  }
  if (status >= 400 && status < 500 && !TRANSIENT_4XX.has(status)) {
    throw new DeliveryError(`HTTP ${status}${said}`, { permanent: true, outcome: 'failed' });
  }
  throw new DeliveryError(`HTTP ${status}${said}`, { permanent: false, retryAfterMs, outcome: gatewayTimedOut(status) ? 'unknown' : 'failed' });
}

/** Retry-After as delay-seconds or an HTTP-date, in ms from `now`, capped at a day. */
function parseRetryAfter(value: string | undefined, now: number): number | null {
  const v = value?.trim();
  if (!v) return null;
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
  if (Number.isNaN(ms)) return null;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function failure(err: unknown, ctx: { signal: AbortSignal; deadline: AbortSignal; timeoutMs: number }): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof PrivateAddressError) return new DeliveryError(err.message, { permanent: true, outcome: 'failed' });
  // Only an error that proves the request never left is 'failed'; a deadline or reset may come after it arrived.
  const outcome = failedBeforeSending(err) ? 'failed' : 'unknown';
  if (ctx.signal.aborted) return new DeliveryError('Webhook delivery aborted', { permanent: false, outcome });
  if (ctx.deadline.aborted) return new DeliveryError(`No answer from the webhook within ${ctx.timeoutMs} ms`, { permanent: false, outcome });
  return new DeliveryError(describe(err), { permanent: false, outcome });
}

// ---- SSRF guard --------------------------------------------------------------------------------

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3], // multicast, reserved and broadcast
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** True for loopback, private, link-local, CGNAT and similar; IPv4-mapped IPv6 is judged as IPv4 (BlockList does). */
export function isPrivateAddress(address: string): boolean {
  return PRIVATE.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}

class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
  readonly code = 'REACHWATCH_PRIVATE_ADDRESS';
}

/**
 * Checks the address the socket really connected to: a name can resolve anywhere, and a custom DNS
 * lookup is never consulted for IP literals. The check runs on 'connect', before TLS or the request.
 */
function guardedConnector(timeoutMs: number): buildConnector.connector {
  const base = buildConnector({ timeout: timeoutMs });
  return (options, callback) => {
    let refused: PrivateAddressError | null = null;
    const socket = base(options, (err, sock) => {
      if (refused !== null) {
        sock?.destroy();
        return callback(refused, null);
      }
      if (err !== null) return callback(err, null);
      callback(null, sock);
    }) as unknown as Socket | undefined; // typed `void`, but lib/core/connect.js returns the socket
    // Prepended: undici's own 'connect' listener hands the socket on for the request to be written.
    socket?.prependOnceListener('connect', () => {
      const address = socket.remoteAddress;
      if (address !== undefined && !isPrivateAddress(address)) return;
      refused = new PrivateAddressError(`Refused to deliver to private address ${address ?? '(unknown)'}`);
      socket.destroy(refused);
    });
  };
}

// ---- helpers ----------------------------------------------------------------------------------------

async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      if (size >= SNIPPET_BYTES) break; // leaving the loop destroys the rest of the body
    }
  } catch {
    // The status is what matters; a body cut short only loses the snippet.
  }
  return clean(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'));
}

function clean(text: string): string {
  // The receiver's text ends up in a one-line attempt log.
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}

/** Node's and undici's message, led by the error code when the message does not already say it. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
