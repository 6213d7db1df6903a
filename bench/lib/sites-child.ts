// The site farm, run as its own process so its CPU is counted apart from the daemon's.
// One HTTP server (simulators/sites.ts, routing by Host) plays every fast and slow site, a silent
// TCP server every hanging one, and a released port every refused one.
//
//   node bench/lib/sites-child.ts <channels>      (started by bench/lib/sites.ts over an IPC channel)

import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { LOOPBACK, page, refusedPort, startSite, type SeenRequest, type SiteRoutes } from '../../simulators/sites.ts';
import { hostOf, kindOf, pageHtml, slowDelayMs, type SitePorts } from './plan.ts';

const channels = Number(process.argv[2]);
if (!Number.isInteger(channels) || channels <= 0) throw new Error(`sites-child: bad channel count ${process.argv[2]}`);

const routes: SiteRoutes = {};
for (let i = 0; i < channels; i++) {
  const kind = kindOf(i);
  if (kind === 'fast') routes[`${hostOf(i)}/*`] = page(pageHtml(i));
  else if (kind === 'slow') routes[`${hostOf(i)}/*`] = page(pageHtml(i), { delayMs: slowDelayMs(i) });
  // Unknown hosts (and refused/hanging names, which never reach this server) get the helper's 404.
}

const web = await startSite({ routes });

// Hanging sites accept and never answer. Unlike the helper's startSilentServer, this one reads (and
// drops) what arrives, so it sees the prober hang up and closes its end: an unread socket never
// notices the FIN and sits in CLOSE_WAIT holding a descriptor, ~100 a second here, until EMFILE.
let hangConnections = 0;
const open = new Set<Socket>();
const silent = createServer((socket) => {
  hangConnections++;
  open.add(socket);
  socket.on('close', () => open.delete(socket));
  socket.on('error', () => undefined);
  socket.resume();
});
silent.listen(0, LOOPBACK);
await once(silent, 'listening');

const ports: SitePorts = { web: web.port, hang: (silent.address() as AddressInfo).port, refused: await refusedPort() };

// The helper logs every request for tests to inspect; at thousands per second that log is a leak
// here, so it is emptied every second (the counters we report are kept separately).
let requests = 0;
const log = web.requests as SeenRequest[];
const drain = setInterval(() => {
  requests += log.length;
  log.length = 0;
}, 1000);

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'stats') {
    process.send?.({ type: 'stats', requests: requests + log.length, connections: web.connections, hangConnections, rss: process.memoryUsage().rss });
  } else if (msg.type === 'stop') {
    clearInterval(drain);
    for (const s of open) s.destroy();
    silent.close();
    void web.close().finally(() => process.exit(0));
  }
});
// The parent going away (crash, Ctrl-C) must not leave a farm of sockets behind.
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', ports });
