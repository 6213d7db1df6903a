// A loopback webhook receiver that keeps every request (duplicates included: retries are the point)
// and checks Standard Webhooks signatures with the standardwebhooks package when given the secret.
//
//   const rx = await startWebhookReceiver({ secret });
//   rx.respondWith((n) => (n === 1 ? { status: 503, headers: { 'retry-after': '7' } } : { status: 204 }));
//   ... deliver to rx.url ...
//   await rx.waitFor(2);
//   expect(rx.received[1]?.verified).toBe(true);
//   await rx.close();

import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  /** webhook-id */
  id: string;
  /** webhook-timestamp (seconds) */
  timestamp: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (the raw text if it was not JSON). */
  body: unknown;
  /** The signature checked out; false without a secret. */
  verified: boolean;
  /** Epoch ms the request arrived. */
  at: number;
}

/** 'hang': keep the request, never answer; 'reset': cut the connection once the request is in. */
export type WebhookReply = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang' | 'reset';

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** How to answer the n-th request (1-based, counting every request), given what it carried. Default: 204. */
  respondWith(fn: (n: number, hook: ReceivedWebhook) => WebhookReply): void;
  /** The webhook-ids seen, each once, in order of first arrival. */
  uniqueIds(): string[];
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** `port`: listen on this port (to bring a receiver back where it was, after an outage). */
export async function startWebhookReceiver(opts: { secret?: string; port?: number } = {}): Promise<WebhookReceiver> {
  const verifier = opts.secret !== undefined ? new Webhook(opts.secret) : null;
  const received: ReceivedWebhook[] = [];
  const hung = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  let respond: (n: number, hook: ReceivedWebhook) => WebhookReply = () => ({ status: 204 });
  let count = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const n = ++count;
      const hook: ReceivedWebhook = {
        id: header(req.headers, 'webhook-id'),
        timestamp: header(req.headers, 'webhook-timestamp'),
        headers: req.headers,
        body: parseJson(raw),
        verified: verify(verifier, raw, req.headers),
        at: Date.now(),
      };
      received.push(hook);
      for (const wake of waiters) wake();
      const reply = respond(n, hook);
      if (reply === 'hang') {
        hung.add(res);
        return;
      }
      if (reply === 'reset') {
        req.socket.resetAndDestroy();
        return;
      }
      const answer = (): void => {
        res.writeHead(reply.status, reply.headers);
        res.end();
      };
      if (reply.delayMs !== undefined && reply.delayMs > 0) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks/reachwatch`,
    received,
    respondWith(fn) {
      respond = fn;
    },
    uniqueIds: () => [...new Set(received.map((r) => r.id))],
    waitFor(want, timeoutMs = 5000) {
      if (received.length >= want) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = (): void => {
          if (received.length < want) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`timed out after ${timeoutMs} ms: ${received.length} of ${want} webhooks received`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function verify(verifier: Webhook | null, raw: string, headers: IncomingHttpHeaders): boolean {
  if (verifier === null) return false;
  try {
    verifier.verify(raw, {
      'webhook-id': header(headers, 'webhook-id'),
      'webhook-timestamp': header(headers, 'webhook-timestamp'),
      'webhook-signature': header(headers, 'webhook-signature'),
    });
    return true;
  } catch {
    return false;
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
