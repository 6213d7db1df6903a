// Worker side of verify.ts: checks one id range of one chain, read-only, and posts the result.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ChainTable } from './chain.ts';
import { verifyRange } from './verify.ts';

const { file, table, fromId, toId, prevHash } = workerData as { file: string; table: ChainTable; fromId: number; toId: number; prevHash: string };
const db = new Database(file, { readonly: true, fileMustExist: true });
try {
  parentPort?.postMessage(verifyRange(db, table, fromId, toId, prevHash));
} finally {
  db.close();
}
