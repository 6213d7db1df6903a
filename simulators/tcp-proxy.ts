// A TCP proxy on 127.0.0.1 that a test can cut: put between a regional agent and the central, it
// forwards until told to black-hole (connections are accepted and their bytes go nowhere, as on a
// network that drops packets: no reset, no answer), to hold answers (requests reach the server, its
// answers never come back: "kill the agent while it waits"), and heals again.
//
//   const proxy = await startTcpProxy(centralPort);   // agent.central_url: http://127.0.0.1:<proxy.port>
//   proxy.blackhole(); ...; proxy.heal();

import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'blackhole' | 'hold-answers';

export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** Accept, never forward, never answer; connections already open stop carrying bytes. */
  blackhole(): void;
  /** Requests go through; answers to requests whose first bytes are `prefix` (all, when omitted) are swallowed. */
  holdAnswers(prefix?: string): void;
  /** Forward again; connections that lost bytes while cut are closed (their streams are broken). */
  heal(): void;
  /** The target port, e.g. after the server restarted elsewhere. */
  retarget(port: number): void;
  /** Client chunks that began with `prefix` (e.g. "POST /agent/v1/results") since start. */
  requestsStartingWith(prefix: string): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  let holdPrefix = '';
  let target = targetPort;
  const pairs = new Set<{ client: Socket; upstream: Socket | null; broken: boolean; last: string }>();
  const starts: string[] = [];

  const server: Server = createServer((client) => {
    // `last`: the first bytes of the latest request on this connection (HTTP/1.1 without pipelining).
    const pair: { client: Socket; upstream: Socket | null; broken: boolean; last: string } = { client, upstream: null, broken: false, last: '' };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', end);
    client.on('close', end);
    if (mode === 'blackhole') {
      pair.broken = true;
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect(target, targetHost);
    pair.upstream = upstream;
    upstream.on('error', end);
    upstream.on('close', end);
    client.on('data', (d: Buffer) => {
      const start = d.subarray(0, 64).toString('latin1');
      starts.push(start);
      if (/^[A-Z]+ \//.test(start)) pair.last = start;
      if (mode === 'blackhole') pair.broken = true;
      else upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (mode === 'forward' || (mode === 'hold-answers' && !pair.last.startsWith(holdPrefix))) client.write(d);
      else pair.broken = true;
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;

  return {
    port,
    get mode() {
      return mode;
    },
    blackhole: () => void (mode = 'blackhole'),
    holdAnswers: (prefix = '') => {
      mode = 'hold-answers';
      holdPrefix = prefix;
    },
    heal: () => {
      mode = 'forward';
      for (const p of [...pairs]) {
        if (!p.broken) continue;
        pairs.delete(p);
        p.client.destroy();
        p.upstream?.destroy();
      }
    },
    retarget: (p) => void (target = p),
    requestsStartingWith: (prefix) => starts.filter((s) => s.startsWith(prefix)).length,
    close: async () => {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      server.close();
      await once(server, 'close');
    },
  };
}
