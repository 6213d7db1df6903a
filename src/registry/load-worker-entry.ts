// Worker side of load-in-worker.ts: load, post the plain result back, exit.
import { parentPort, workerData } from 'node:worker_threads';
import { loadRegistry } from './load.ts';

const { file } = workerData as { file: string };
parentPort?.postMessage(loadRegistry(file));
