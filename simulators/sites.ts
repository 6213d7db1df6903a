// Loopback web sites that misbehave on purpose, for tests, the benchmark and the demo.
//
// One server can play many sites: requests are routed by Host name and path, so a prober pointed at
// it through its `resolve` option (hostname → 127.0.0.1) sees center.example.kz, www.center.example.kz
// and other-site.example.com as different sites. Over HTTPS, SNI picks a certificate per name.
//
//   const site = await startSite({ routes: { '/': page('<title>Hi</title>') } });
//   site.route('center.example.kz/old', redirect(site.url('other-site.example.com', '/')));
//   ...
//   await site.close();

import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { KeyPair } from './tls.ts';

export const LOOPBACK = '127.0.0.1';

/** What a route answers. Build them with page(), redirect(), hang(), reset() or handler(). */
export type SiteBehaviour =
  | { kind: 'page'; body: string | Uint8Array; status: number; headers: Record<string, string>; delayMs: number }
  | { kind: 'redirect'; location: string; status: number }
  /** Reads the request and never answers (the socket stays open until close()). */
  | { kind: 'hang' }
  /** Destroys the connection as soon as the request arrives. */
  | { kind: 'reset' }
  | { kind: 'handler'; handle: (req: IncomingMessage, res: ServerResponse) => void };

export interface PageOptions {
  status?: number;
  /** Default `text/html; charset=utf-8`; pass '' to send no Content-Type. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long before sending the status line (a slow first byte). */
  delayMs?: number;
}

export function page(body: string | Uint8Array, opts: PageOptions = {}): SiteBehaviour {
  const contentType = opts.contentType ?? 'text/html; charset=utf-8';
  return {
    kind: 'page',
    body,
    status: opts.status ?? 200,
    headers: { ...(contentType !== '' ? { 'content-type': contentType } : {}), ...opts.headers },
    delayMs: opts.delayMs ?? 0,
  };
}

/** A redirect; `location` is sent verbatim, so relative locations test the prober's URL resolution. */
export function redirect(location: string, status = 302): SiteBehaviour {
  return { kind: 'redirect', location, status };
}

export function hang(): SiteBehaviour {
  return { kind: 'hang' };
}

export function reset(): SiteBehaviour {
  return { kind: 'reset' };
}

export function handler(handle: (req: IncomingMessage, res: ServerResponse) => void): SiteBehaviour {
  return { kind: 'handler', handle };
}

/**
 * Routes, looked up in this order for a request to host H and path P (query ignored):
 * `H/P` (this site, this path), `P` (any site), `H/*` (this site, any path), `*` (anything).
 * No match answers 404.
 */
export type SiteRoutes = Record<string, SiteBehaviour>;

export interface SiteTls {
  /** Served when the client sends no SNI or an unknown name. */
  cert: KeyPair;
  /** Certificates by SNI name, e.g. { 'expired.example.kz': expiredPair }. */
  byServername?: Record<string, KeyPair>;
}

export interface SiteOptions {
  routes?: SiteRoutes;
  /** Serve HTTPS with these certificates; plain HTTP without. */
  tls?: SiteTls;
}

export interface SeenRequest {
  host: string;
  path: string;
  /** Client port: distinct ports mean distinct TCP connections. */
  remotePort: number | undefined;
  /** HTTPS only: whether the client resumed an earlier TLS session instead of a full handshake. */
  tlsResumed?: boolean;
  headers: IncomingMessage['headers'];
  /** Epoch ms when the request arrived (for rhythm and burst checks). */
  at: number;
}

export interface LoopbackSite {
  readonly port: number;
  readonly protocol: 'http:' | 'https:';
  /** `http(s)://host:port/path` for this server. */
  url(host: string, path?: string): string;
  /** Adds or replaces a route (handy when the answer must mention a port known only after start). */
  route(key: string, behaviour: SiteBehaviour): void;
  /** TCP connections accepted so far. */
  readonly connections: number;
  readonly requests: readonly SeenRequest[];
  close(): Promise<void>;
}

export async function startSite(opts: SiteOptions = {}): Promise<LoopbackSite> {
  const routes = new Map<string, SiteBehaviour>(Object.entries(opts.routes ?? {}));
  const requests: SeenRequest[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const { host, path } = requestTarget(req);
    const seen: SeenRequest = { host, path, remotePort: req.socket.remotePort, headers: req.headers, at: Date.now() };
    if (req.socket instanceof TLSSocket) seen.tlsResumed = req.socket.isSessionReused();
    requests.push(seen);
    respond(lookupRoute(routes, host, path), req, res);
  };
  const server: Server = opts.tls ? createHttpsServer(httpsOptions(opts.tls), onRequest) : createHttpServer(onRequest);
  // Probers hang up on certificates they reject; unhandled, that would surface as a socket error.
  server.on('tlsClientError', () => undefined);
  const tracker = trackSockets(server);
  const port = await listen(server);
  const protocol = opts.tls ? 'https:' : 'http:';
  return {
    port,
    protocol,
    url: (host, path = '/') => `${protocol}//${host}:${port}${path}`,
    route: (key, behaviour) => void routes.set(key, behaviour),
    get connections() {
      return tracker.count;
    },
    requests,
    close: () => closeServer(server, tracker.sockets),
  };
}

/** A TCP server that accepts connections and never writes a byte: stalls TLS handshakes and HTTP alike. */
export interface SilentServer {
  readonly port: number;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const server = createNetServer(() => {
    // Accept and hold: the point is to never answer.
  });
  const tracker = trackSockets(server);
  const port = await listen(server);
  return {
    port,
    get connections() {
      return tracker.count;
    },
    close: () => closeServer(server, tracker.sockets),
  };
}

/** A loopback port with nothing listening (bound by the OS, then released): connecting is refused. */
export async function refusedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  server.close();
  await once(server, 'close');
  return port;
}

/** The prober's `resolve` map sending every given name to 127.0.0.1. */
export function loopbackResolve(hosts: readonly string[]): Record<string, string> {
  return Object.fromEntries(hosts.map((h) => [h, LOOPBACK]));
}

/**
 * windows-1251 bytes for ASCII + Russian text (Node's Buffer cannot encode it), for pages that
 * test charset decoding. Throws on characters outside that range so a test cannot silently pass.
 */
export function encodeWindows1251(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out[i] = c;
    else if (c >= 0x410 && c <= 0x44f) out[i] = c - 0x410 + 0xc0; // А..я are contiguous in both
    else if (c === 0x401) out[i] = 0xa8; // Ё
    else if (c === 0x451) out[i] = 0xb8; // ё
    else throw new RangeError(`encodeWindows1251: unsupported character U+${c.toString(16)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function requestTarget(req: IncomingMessage): { host: string; path: string } {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  return { host, path };
}

function lookupRoute(routes: ReadonlyMap<string, SiteBehaviour>, host: string, path: string): SiteBehaviour {
  for (const key of [`${host}${path}`, path, `${host}/*`, '*']) {
    const hit = routes.get(key);
    if (hit) return hit;
  }
  return page('<title>Not found</title>not found', { status: 404 });
}

function respond(b: SiteBehaviour, req: IncomingMessage, res: ServerResponse): void {
  switch (b.kind) {
    case 'page': {
      const send = (): void => {
        res.writeHead(b.status, b.headers);
        res.end(b.body);
      };
      if (b.delayMs > 0) setTimeout(send, b.delayMs);
      else send();
      return;
    }
    case 'redirect':
      res.writeHead(b.status, { location: b.location, 'content-type': 'text/html' });
      res.end(`<a href="${b.location}">moved</a>`);
      return;
    case 'hang':
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'handler':
      b.handle(req, res);
      return;
  }
}

function httpsOptions(tls: SiteTls): { key: string; cert: string; SNICallback: (name: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void } {
  const contexts = new Map<string, SecureContext>();
  for (const [name, pair] of Object.entries(tls.byServername ?? {})) {
    contexts.set(name.toLowerCase(), createSecureContext({ key: pair.key, cert: pair.cert }));
  }
  return {
    key: tls.cert.key,
    cert: tls.cert.cert,
    // Undefined context means "use the default certificate".
    SNICallback: (name, cb) => cb(null, contexts.get(name.toLowerCase())),
  };
}

/** Counts raw TCP connections and keeps them so close() can end hung ones. */
function trackSockets(server: NetServer): { sockets: Set<Socket>; readonly count: number } {
  const sockets = new Set<Socket>();
  let count = 0;
  server.on('connection', (socket: Socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // clients (the prober) drop sockets mid-response on purpose
  });
  return {
    sockets,
    get count() {
      return count;
    },
  };
}

async function listen(server: NetServer): Promise<number> {
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: NetServer, sockets: Set<Socket>): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  for (const s of sockets) s.destroy();
  await closed;
}
