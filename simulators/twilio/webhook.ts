// Sending webhooks the way Twilio does: form-encoded POST (or GET with the parameters in the query),
// signed with X-Twilio-Signature by the real twilio package's getExpectedTwilioSignature over the
// exact URL requested, so a receiver using twilio.validateRequest accepts them unchanged.

import { randomUUID } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import twilio from 'twilio';
import type { WebhookRecord } from './state.ts';

const MAX_BODY = 64 * 1024;

/** Headers and body of a signed form POST, for benchmarks that fire callbacks themselves. */
export function signedCallbackRequest(
  authToken: string,
  url: string,
  params: Record<string, string>,
): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

/** Where and how a GET webhook goes: Twilio appends its parameters to the configured query. */
export function urlWithQuery(url: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  if (query === '') return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

export type SignatureMode = 'valid' | 'bad' | 'none';

export interface WebhookRequest {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  authToken: string;
  signature?: SignatureMode | { literal: string };
  idempotencyToken?: string;
}

/** Builds the record first, so a test can see the request even if the receiver never answers. */
export function newRecord(
  base: Pick<WebhookRecord, 'kind'> & Partial<WebhookRecord>,
  req: WebhookRequest,
): WebhookRecord {
  return {
    dropped: false,
    repeat: false,
    attempts: 0,
    sentAt: null,
    status: null,
    ...base,
    url: req.url,
    method: req.method,
    params: req.params,
    signature: null,
    idempotencyToken: req.idempotencyToken ?? randomUUID(),
  };
}

function signatureFor(req: WebhookRequest, signedUrl: string, signedParams: Record<string, string>): string | null {
  const mode = req.signature ?? 'valid';
  if (typeof mode === 'object') return mode.literal;
  if (mode === 'none') return null;
  const valid = twilio.getExpectedTwilioSignature(req.authToken, signedUrl, signedParams);
  // A plausible-looking but wrong signature: same length, last characters changed.
  return mode === 'valid' ? valid : valid.slice(0, -4) + (valid.endsWith('AAA=') ? 'BBB=' : 'AAA=');
}

export interface SendOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Retries after a connection failure; Twilio's default connection override is rc=1, rp=ct. */
  connectRetries: number;
  /** Owned by the fake, so close() can drop kept-alive sockets. */
  agents: { http: HttpAgent; https: HttpsAgent };
}

/** Sends one webhook, filling in `record` (status, body, error) as it goes. Never throws. */
export async function sendWebhook(req: WebhookRequest, record: WebhookRecord, opts: SendOptions): Promise<WebhookRecord> {
  const isGet = req.method === 'GET';
  const target = isGet ? urlWithQuery(req.url, req.params) : req.url;
  // For GET the signature covers the full URL and no body parameters.
  const signature = signatureFor(req, target, isGet ? {} : req.params);
  record.signature = signature;
  const body = isGet ? undefined : new URLSearchParams(req.params).toString();
  for (let attempt = 0; ; attempt++) {
    record.sentAt = Date.now();
    record.attempts = attempt + 1;
    const outcome = await exchange(target, req.method, body, signature, record.idempotencyToken, opts);
    record.status = outcome.status;
    record.answeredAt = Date.now();
    if (outcome.body !== undefined) record.responseBody = outcome.body;
    if (outcome.contentType !== undefined) record.contentType = outcome.contentType;
    if (outcome.error !== undefined) record.error = outcome.error;
    else delete record.error;
    if (!outcome.connectFailed || attempt >= opts.connectRetries || opts.signal.aborted) return record;
  }
}

interface Exchange {
  status: number | null;
  body?: string;
  contentType?: string;
  error?: string;
  connectFailed: boolean;
}

function exchange(
  url: string,
  method: 'GET' | 'POST',
  body: string | undefined,
  signature: string | null,
  idempotencyToken: string,
  opts: SendOptions,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      'user-agent': 'TwilioProxy/1.1',
      accept: '*/*',
      'cache-control': 'max-age=259200',
      'i-twilio-idempotency-token': idempotencyToken,
    };
    if (signature !== null) headers['x-twilio-signature'] = signature;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve({ status: null, error: `invalid URL ${url}`, connectFailed: false });
      return;
    }
    const isHttps = parsed.protocol === 'https:';
    const common = { method, headers, timeout: opts.timeoutMs, signal: opts.signal };
    const req = isHttps
      ? httpsRequest(parsed, { ...common, agent: opts.agents.https })
      : httpRequest(parsed, { ...common, agent: opts.agents.http });
    // Only a failure before the TCP connection exists counts as "connect" (retried); a reused
    // keep-alive socket is connected already.
    let connected = false;
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => (connected = true));
      else connected = true;
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: null, error: err.message, connectFailed: !connected && !opts.signal.aborted }));
    req.on('response', (res) =>
      readBody(res).then((text) =>
        resolve({ status: res.statusCode ?? null, body: text, connectFailed: false, ...(res.headers['content-type'] !== undefined ? { contentType: res.headers['content-type'] } : {}) }),
      ),
    );
    req.end(body);
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_BODY) chunks.push(chunk);
      size += chunk.length;
    });
    const done = (): void => resolve(Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY));
    res.on('end', done);
    res.on('error', done);
    res.on('aborted', done);
  });
}
