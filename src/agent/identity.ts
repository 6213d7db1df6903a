// The agent's identity on disk: its Ed25519 private key (PKCS#8 PEM, mode 0600, in its data folder,
// made once and never sent anywhere) and what the central said at enrollment (kept in the outbox's
// meta table, so a restart does not enroll again).

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentKeysFromPem, generateAgentKeys, type AgentKeyPair } from '../agents/protocol.ts';
import type { AgentOutbox } from '../store/agent-outbox.ts';

export const KEY_FILE = 'agent-key.pem';

export class AgentKeyError extends Error {
  override name = 'AgentKeyError';
}

/** The key in `dataDir`, made (mode 0600) when there is none. A key readable by others is refused. */
export function loadOrCreateKey(dataDir: string): { keys: AgentKeyPair; created: boolean; file: string } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, KEY_FILE);
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new AgentKeyError(`${file}: the agent's private key is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
    }
    try {
      return { keys: agentKeysFromPem(readFileSync(file, 'utf8')), created: false, file };
    } catch (err) {
      throw new AgentKeyError(`${file}: not an Ed25519 private key in PKCS#8 PEM (${(err as Error).message}); move it away to make a new one (the agent must then be enrolled again by an admin).`);
    }
  }
  const keys = generateAgentKeys();
  const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  // Written whole under another name, then renamed: a crash never leaves half a key.
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, pem, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return { keys, created: true, file };
}

export interface Enrollment {
  agentId: string;
  name: string;
  vantage: string;
  centralUrl: string;
  publicKey: string;
  enrolledAt: number;
}

const ENROLLMENT_KEY = 'enrollment';

export function readEnrollment(outbox: AgentOutbox): Enrollment | null {
  const raw = outbox.getMeta(ENROLLMENT_KEY);
  return raw ? (JSON.parse(raw) as Enrollment) : null;
}

export function saveEnrollment(outbox: AgentOutbox, e: Enrollment): void {
  outbox.setMeta(ENROLLMENT_KEY, JSON.stringify(e));
}
