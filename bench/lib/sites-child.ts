// The site farm, run as its own process so its CPU is counted apart from the daemon's.
// One HTTP server plays every fast and slow site by Host name (test/helpers/sites.ts routes by
// Host), one silent TCP server plays every hanging site, and a released port plays every refused one.
//
//   node bench/lib/sites-child.ts <channels>      (started by bench/lib/sites.ts over an IPC channel)

import { page, refusedPort, startSilentServer, startSite, type SeenRequest, type SiteRoutes } from '../../test/helpers/sites.ts';
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
const silent = await startSilentServer();
const ports: SitePorts = { web: web.port, hang: silent.port, refused: await refusedPort() };

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
    process.send?.({ type: 'stats', requests: requests + log.length, connections: web.connections, hangConnections: silent.connections, rss: process.memoryUsage().rss });
  } else if (msg.type === 'stop') {
    clearInterval(drain);
    void Promise.all([web.close(), silent.close()]).finally(() => process.exit(0));
  }
});
// The parent going away (crash, Ctrl-C) must not leave a farm of sockets behind.
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', ports });
