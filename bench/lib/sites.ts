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
  let exitCode: number | string | null = null;
  void exited.then(([code, signal]) => {
    exitCode = (code as number | null) ?? (signal as string);
  });
  return {
    channels,
    ports,
    pid: child.pid as number,
    // Rejects when the farm has died, so a crash there fails the run instead of hanging it.
    stats: () =>
      new Promise<SiteStats>((resolve, reject) => {
        if (exitCode !== null) return reject(new Error(`the site farm has exited (${exitCode})`));
        const on = (m: { type: string } & SiteStats): void => {
          if (m.type !== 'stats') return;
          child.off('message', on);
          resolve(m);
        };
        child.on('message', on);
        void exited.then(() => reject(new Error(`the site farm exited (${String(exitCode)}) during the run`)));
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
