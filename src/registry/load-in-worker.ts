// Loads a registry in a worker thread. Parsing YAML with positions for every node costs far more
// heap than the result (a 10,000-record file peaked near 300 MB); V8 keeps such pages committed long
// after they are garbage. In a worker, that memory goes back to the system when the worker exits.

import { Worker } from 'node:worker_threads';
import type { RegistryLoad, RegistryOptions } from './load.ts';

const ENTRY = new URL('./load-worker-entry.ts', import.meta.url);

export function loadRegistryInWorker(file: string, options: RegistryOptions = {}): Promise<RegistryLoad> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { file, options } });
    let result: RegistryLoad | null = null;
    worker.once('message', (m: RegistryLoad) => {
      result = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`The registry loader stopped (exit code ${code}) without a result.`));
    });
  });
}
