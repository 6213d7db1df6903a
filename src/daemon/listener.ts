// The API socket is bound before the database is opened, so a port in use or a HOST that names no
// address of this machine stops the start before anything is written (a crash-looping supervisor
// would otherwise add a registry sync per restart). Requests that arrive before the app is ready
// get 503; the app takes the socket over with Fastify's serverFactory.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export class ListenError extends Error {
  override name = 'ListenError';
  readonly code: string;
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super(`cannot listen on ${host}:${port}: ${cause.code ?? cause.message}`, { cause });
    this.code = cause.code ?? 'UNKNOWN';
    this.host = host;
    this.port = port;
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The settings Fastify applies to a server it creates itself, and passes to a serverFactory instead. */
export interface ServerSettings {
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
}

export interface ApiSocket {
  server: Server;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** The handler for requests from now on (Fastify's, via serverFactory), with the settings Fastify gave it. */
  serve(handler: Handler, settings?: ServerSettings): void;
  close(): Promise<void>;
}

export async function bindApiSocket(host: string, port: number): Promise<ApiSocket> {
  let handler: Handler | null = null;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'reachwatch is starting.' }));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ListenError(host, port, err));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address();
  const url =
    addr && typeof addr === 'object' ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : `http://${host}:${port}`;
  let closed: Promise<void> | null = null;
  return {
    server,
    url,
    serve(h, settings = {}) {
      // Fastify sets these only on a server of its own: its 72 s keep-alive outlasts a load
      // balancer's idle timeout, where Node's 5 s would close connections the balancer reuses.
      if (settings.keepAliveTimeout !== undefined) server.keepAliveTimeout = settings.keepAliveTimeout;
      if (settings.requestTimeout !== undefined) server.requestTimeout = settings.requestTimeout;
      if (settings.connectionTimeout !== undefined) server.setTimeout(settings.connectionTimeout);
      handler = h;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}
