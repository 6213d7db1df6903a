// Parent side of the site farm: starts bench/lib/sites-child.ts and asks it for counters.

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SitePorts } from './plan.ts';

const CHILD = fileURLToPath(new URL('./sites-child.ts', import.meta.url));

export interface SiteStats {
  requests: number;
  connections: number;
  hangConnections: number;
  rss: number;
}

export interface SiteFarm {
  readonly channels: number;
  readonly ports: SitePorts;
  readonly pid: number;
  stats(): Promise<SiteStats>;
  close(): Promise<void>;
}

export async function startSiteFarm(channels: number): Promise<SiteFarm> {
  const child: ChildProcess = fork(CHILD, [String(channels)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const ready = new Promise<SitePorts>((resolve, reject) => {
    child.once('message', (m: { type: string; ports: SitePorts }) => (m.type === 'ready' ? resolve(m.ports) : reject(new Error(`unexpected ${m.type}`))));
    void exited.then(([code]) => reject(new Error(`the site farm exited (${String(code)}) before it was ready`)));
  });
  const ports = await ready;
  return {
    channels,
    ports,
    pid: child.pid as number,
    stats: () =>
      new Promise<SiteStats>((resolve) => {
        const on = (m: { type: string } & SiteStats): void => {
          if (m.type !== 'stats') return;
          child.off('message', on);
          resolve(m);
        };
        child.on('message', on);
        child.send({ type: 'stats' });
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
