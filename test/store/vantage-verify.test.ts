// `reachwatch verify` on agents' probes, on a real database file: the point and agent columns must
// match the chained `vantage` block, and with --signatures every result's Ed25519 signature is checked
// again with the agent's public key, the agent's own clock time included when the central corrected it.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { runCli } from '../../src/cli/main.ts';
import { exportEvidence, verifyBundle, type Manifest } from '../../src/export/evidence.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { verifyVantage } from '../../src/store/vantage-verify.ts';
import { agentRecord, insertAgent, type TestAgent } from '../helpers/agent-results.ts';
import { tempDir } from '../helpers/tmp.ts';

const WEB = 'a--web-a-example-kz';
const T0 = Date.UTC(2026, 5, 1);
let dir: string;
let original: string;
let cleanup: () => void;
const almaty: TestAgent = { id: 'agt_00000000000000a1', name: 'almaty-1', point: 'kz', keys: generateAgentKeys() };
const astana: TestAgent = { id: 'agt_00000000000000a2', name: 'astana-1', point: 'kz', keys: generateAgentKeys() };

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  const db = openDatabase(path.join(dir, 'data'));
  syncRegistry(db, assertLoadable(parseRegistry(`- id: a\n  name: A\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "https://a.example.kz/"}\n`, 'r.yaml')), 'r.yaml', 'x');
  insertAgent(db, almaty);
  insertAgent(db, astana);
  const writer = new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 50, flushIntervalMs: 5 });
  const done = [
    writer.add({ channelId: WEB, jobId: `${WEB}#http`, dueAt: T0, startedAt: T0, durationMs: 5, evidence: { method: 'http', v: 1 }, classification: { outcome: 'reachable', reason: 'ok', detail: 'd', flags: [] } }),
    writer.add(agentRecord(almaty, { channelId: WEB, slotAt: T0, outcome: 'reachable' })),
    // A clock 9 s ahead: the stored start was corrected, the signature covers the agent's own.
    writer.add(agentRecord(astana, { channelId: WEB, slotAt: T0 + 60_000, outcome: 'unavailable', clockOffsetMs: 9_000, evidence: { text: 'привет "мир"', n: 0.1 } })),
  ];
  writer.flush();
  await Promise.all(done);
  writer.close();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  original = path.join(dir, 'data', DB_FILE_NAME);
}, 30_000);

afterAll(() => cleanup());

let n = 0;
function tampered(sql: string): string {
  const file = path.join(dir, `copy-${n++}.db`);
  copyFileSync(original, file);
  const db = new Database(file);
  db.prepare(sql).run();
  db.close();
  return file;
}

async function cli(args: string[]): Promise<{ code: number; text: string }> {
  const chunks: string[] = [];
  const out = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  const code = await runCli(args, out, out);
  return { code, text: chunks.join('') };
}

describe('verify on agent probes', () => {
  test('a sound file: columns match the blocks, and every signature checks out (a corrected clock included)', async () => {
    expect(verifyVantage(original, { signatures: true })).toEqual({ records: 2, signaturesChecked: 2, ok: true, problems: [], problemCount: 0 });
    const r = await cli(['verify', '--db', original, '--workers', '0', '--signatures']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^ok {4}agent probes: 2 records, point and agent columns checked against their chained vantage blocks, 2 signatures checked$/m);
    // Without the option no signature is checked.
    expect(verifyVantage(original)).toMatchObject({ records: 2, signaturesChecked: 0, ok: true });
  });

  test('a column edited by hand (the chain does not cover it) is named against the block', async () => {
    const file = tampered("UPDATE probes SET vantage = 'eu' WHERE agent_id = 'agt_00000000000000a1'");
    const r = await cli(['verify', '--db', file, '--workers', '0']);
    expect(r.code).toBe(1);
    // The chains themselves are whole: only the columns lie.
    expect(r.text).toMatch(/^ok {4}probes: 3 records/m);
    expect(r.text).toMatch(/BAD {3}agent probes: 2 records.*: 1 problem\(s\)\n {6}probe 2: its columns say point eu, agent agt_00000000000000a1; its chained evidence says point kz, agent agt_00000000000000a1/);
    // A central probe given an agent by hand has no block to back it.
    const central = tampered("UPDATE probes SET agent_id = 'agt_00000000000000a2', vantage = 'kz' WHERE id = 1");
    expect(verifyVantage(central).problems).toEqual([{ probeId: 1, detail: expect.stringMatching(/^probe 1 names agent agt_00000000000000a2 at point kz in its columns, but its evidence has no vantage block$/) }]);
    // Columns wiped: the block still names the agent.
    const wiped = tampered('UPDATE probes SET agent_id = NULL, vantage = NULL WHERE id = 3');
    expect(verifyVantage(wiped)).toMatchObject({ ok: false, problems: [{ probeId: 3, detail: expect.stringMatching(/columns say point \(none\), agent \(none\); its chained evidence says point kz, agent agt_00000000000000a2/) }] });
  });

  test('a signature that is not the agent\'s (another key registered, or the stored slot changed) fails with --signatures only', async () => {
    const otherKey = generateAgentKeys().publicKey;
    const file = tampered(`UPDATE agents SET public_key = '${otherKey}' WHERE id = 'agt_00000000000000a2'`);
    expect(verifyVantage(file)).toMatchObject({ ok: true });
    const r = await cli(['verify', '--db', file, '--workers', '0', '--signatures']);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/probe 3: the signature of agent agt_00000000000000a2 does not match the stored result/);
    // The slot is not in the evidence, but it is in what the agent signed.
    const slot = tampered('UPDATE probes SET due_at = due_at + 1 WHERE id = 2');
    expect(verifyVantage(slot, { signatures: true }).problems.map((p) => p.probeId)).toEqual([2]);
    const noKey = tampered("UPDATE agents SET public_key = NULL WHERE id = 'agt_00000000000000a1'");
    expect(verifyVantage(noKey, { signatures: true }).problems[0]?.detail).toMatch(/agent agt_00000000000000a1 has no usable public key/);
  });
});

describe('an evidence bundle of agents\' probes', () => {
  test("names the agents with their public keys and its probes' channels, and verify-export checks every signature with the bundle alone", async () => {
    const data = path.join(dir, 'bundle-db');
    mkdirSync(data);
    copyFileSync(original, path.join(data, DB_FILE_NAME));
    const db = openDatabase(data);
    const out = path.join(dir, 'bundle');
    const manifest = await exportEvidence(db, { from: T0 - 60_000, to: T0 + 3_600_000 }, out);
    db.close();
    expect(manifest.agents).toEqual([
      { id: almaty.id, name: 'almaty-1', vantage: 'kz', publicKey: almaty.keys.publicKey },
      { id: astana.id, name: 'astana-1', vantage: 'kz', publicKey: astana.keys.publicKey },
    ]);
    expect(manifest.channels).toEqual([{ ref: 1, id: WEB }]);
    expect(verifyBundle(out)).toMatchObject({ ok: true, problems: [] });
    // Another key in the manifest for astana-1: its result (record 3) is named, the chains still hold.
    const forged = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    (forged.agents ?? [])[1] = { ...(forged.agents ?? [])[1], publicKey: generateAgentKeys().publicKey } as NonNullable<Manifest['agents']>[number];
    writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(forged));
    const check = verifyBundle(out);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([expect.stringMatching(/^probes\.ndjson:3: record 3: the signature of agent agt_00000000000000a2 does not match/)]);
  });
});
