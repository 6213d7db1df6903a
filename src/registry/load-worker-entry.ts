// Worker side of load-in-worker.ts: load, post the plain result back, exit.
import { parentPort, workerData } from 'node:worker_threads';
import { loadRegistry, type RegistryOptions } from './load.ts';

const { file, options } = workerData as { file: string; options: RegistryOptions };
parentPort?.postMessage(loadRegistry(file, options));
