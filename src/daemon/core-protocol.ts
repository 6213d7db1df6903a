// What the front (src/daemon/front.ts) and the core (src/daemon/core-worker.ts) tell each other. Messages
// carry what can wait; what must be known while the core's thread is blocked (its heartbeat, a write
// in progress) is in shared memory instead (src/daemon/core-beacon.ts).

import type { Static } from 'typebox';
import type { Ready } from '../api/schemas.ts';
import type { RegistryLoad } from '../registry/load.ts';
import type { ServerSettings } from './listener.ts';

export interface CoreWorkerData {
  /** The CoreBeacon's memory. */
  shared: SharedArrayBuffer;
  /** The front's public address, for the core's log. */
  publicUrl: string;
  /** The registry the front validated before it took the data folder's lock. */
  registry: RegistryLoad;
  /** Log for a person (pino-pretty): a worker's stdout is not a terminal even when the process's is. */
  pretty: boolean;
}

export type FrontMessage =
  /** SIGTERM or SIGINT reached the front: stop as the daemon always has, then say `stopped`. */
  | { type: 'stop' }
  /** SIGHUP reached the front (a worker gets no signals): reload the registry. */
  | { type: 'reload' };

export type CoreMessage =
  /** Started: the core's own listener and the server settings Fastify asked for. */
  | { type: 'running'; url: string; settings: ServerSettings }
  /** The start was refused: what the process prints and its exit code (src/daemon/startup-failure.ts). */
  | { type: 'failed'; code: number; stderr: string }
  /** /readyz's body changed; the front answers with the last one while the core cannot. */
  | { type: 'ready'; body: Static<typeof Ready> }
  /** An error nobody caught: the core is no longer trustworthy and the front stops the process. */
  | { type: 'error'; message: string }
  /** The daemon stopped after `stop`: its database is closed and its log flushed. */
  | { type: 'stopped' };
