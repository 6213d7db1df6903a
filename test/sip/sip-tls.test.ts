// SIP over TLS to a trunk (sip.transport: tls, sip.ca_file): baresip checks the trunk's certificate
// against the CA file written into its sip_cafile. This Debian's SIPp has no TLS (built without
// OpenSSL), so the trunk is SIPp over TCP behind a TLS front (simulators/sip/callee.ts) with a
// certificate from a test CA (simulators/tls.ts). Signed by the CA we trust: the call goes through to
// the callee's real answer. Signed by another CA: baresip 1.0 itself would carry on regardless (it
// loads sip_cafile but does not require a trusted certificate), so the prober's own handshake check
// refuses the trunk first: nothing is dialled, our own error.

import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classify } from '../../src/classifier/classifier.ts';
import type { Channel, Evidence } from '../../src/domain.ts';
import { CallLedger } from '../../src/probers/phone/call-ledger.ts';
import type { SipEvidence } from '../../src/probers/sip/evidence.ts';
import { createSipProber } from '../../src/probers/sip/prober.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { startCallee, type Callee } from '../../simulators/sip/callee.ts';
import { createTestPki, type TestPki } from '../../simulators/tls.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let cleanup: () => void;
let db: DB;
let channel: Channel;
let pki: TestPki;
let otherPki: TestPki;
const callees: Callee[] = [];

beforeAll(async () => {
  const t = tempDir('reachwatch-siptls-');
  dir = t.dir;
  cleanup = t.remove;
  db = openDatabase(path.join(dir, 'data'));
  const load = assertLoadable(parseRegistry('- id: a\n  name: Center A\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "+77172000101", methods: [sip]}\n', 'r.yaml'));
  syncRegistry(db, load, 'r.yaml', 'x');
  channel = load[0]!.channels[0]!;
  [pki, otherPki] = await Promise.all([createTestPki(), createTestPki()]);
  writeFileSync(path.join(dir, 'ca.pem'), pki.ca.cert);
  writeFileSync(path.join(dir, 'other-ca.pem'), otherPki.ca.cert);
}, 60_000);

afterAll(async () => {
  await Promise.all(callees.map((c) => c.stop()));
  await Promise.all([pki?.cleanup(), otherPki?.cleanup()]);
  db?.close();
  cleanup?.();
});

async function call(proxy: string, caFile: string): Promise<{ e: SipEvidence; c: ReturnType<typeof classify> }> {
  const prober = createSipProber({
    trunk: { name: 'tls-trunk', proxy, domain: '127.0.0.1', transport: 'tls', user: 'reachwatch', password: null, caFile },
    baresip: '/usr/bin/baresip',
    listen: '127.0.0.1:0',
    netInterface: '127.0.0.1',
    dataDir: path.join(dir, 'data'),
    ledger: new CallLedger(db),
    rules: { window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59' }, perNumberPerDay: 1000, perNumberPerWeek: 1000, estimatedCallCost: 0.05, monthlySpendCap: 1000 },
    callsPerSecond: 100,
    maxConcurrentCalls: 10,
    ringTimeoutMs: 4000,
    listenMs: 2000,
    menuWaitMs: 4000,
    clipCapMs: 20_000,
    labels: () => [],
    speech: null,
    menu: false,
    tzOf: () => 'Asia/Almaty',
    followUpMs: 3_600_000,
  });
  const evidence = JSON.parse(JSON.stringify(await prober.probe(channel, { signal: AbortSignal.timeout(60_000) }))) as Evidence;
  return { e: evidence as unknown as SipEvidence, c: classify(evidence) };
}

describe.concurrent('a trunk over TLS', () => {
  test('its certificate is signed by the CA in sip.ca_file: the call reaches the callee (486 busy, its Q.850 cause kept)', async () => {
    const c = await startCallee({ scenario: 'reject', values: { code: '486', reason: 'Busy Here', cause: '17', text: 'User busy' }, calls: 1, tls: await pki.issue({ hosts: ['127.0.0.1'] }) });
    callees.push(c);
    const { e, c: verdict } = await call(c.proxy, path.join(dir, 'ca.pem'));
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'busy', reason: 'busy' });
    expect(e.trunk.transport).toBe('tls');
    expect(e.final).toMatchObject({ code: 486, q850: { cause: 17 } });
  }, 90_000);

  test('its certificate is signed by another CA: nothing is dialled, our own error, never the number\'s', async () => {
    const c = await startCallee({ scenario: 'reject', values: { code: '486', reason: 'Busy Here', cause: '17', text: 'User busy' }, calls: 1, tls: await otherPki.issue({ hosts: ['127.0.0.1'] }) });
    callees.push(c);
    const { e, c: verdict } = await call(c.proxy, path.join(dir, 'ca.pem'));
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'error', reason: 'trunk_tls_untrusted' });
    expect(e.tlsRefused).toMatch(/certificate/i);
    expect(e.trunkResponded).toBe(false);
    expect(e.final).toBeNull();
    expect(e.provisional).toEqual([]);
  }, 90_000);
});
