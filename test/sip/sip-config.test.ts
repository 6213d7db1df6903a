// The `sip` section checks itself and says what is wrong in a sentence naming the key; the trunk's
// credentials come from the environment only; without a proxy there is no trunk (and no SIP probes).
// And a SIP call left in flight by a crash is stored once, at the next start, as our own error.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classify } from '../../src/classifier/classifier.ts';
import { buildConfig, ConfigError } from '../../src/config/config.ts';
import type { Evidence } from '../../src/domain.ts';
import { CallLedger } from '../../src/probers/phone/call-ledger.ts';
import { sipProberFor } from '../../src/probers/from-config.ts';
import type { RecoveredProbe } from '../../src/probers/prober.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { tempDir } from '../helpers/tmp.ts';

const build = (sip: unknown, env: Record<string, string> = {}) => buildConfig({ sip }, env, 'r.yaml', (k) => `r.yaml:1 ${k.join('.')}`, '/tmp');
const problems = (sip: unknown, env: Record<string, string> = {}): string[] => {
  try {
    build(sip, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('the sip section', () => {
  test('without a proxy there is no trunk; with one and a user from the environment, there is', () => {
    expect(build(undefined).sip.trunk).toBeNull();
    const c = build({ proxy: 'sip.carrier.kz:5060', transport: 'tcp' }, { REACHWATCH_SIP_USER: '7272000000', REACHWATCH_SIP_PASSWORD: 's3cret' });
    expect(c.sip.trunk).toEqual({ name: 'sip.carrier.kz:5060', proxy: 'sip.carrier.kz:5060', domain: 'sip.carrier.kz', transport: 'tcp', user: '7272000000', password: 's3cret', caFile: null });
  });

  test.each([
    [{ proxy: 'sip.carrier.kz:5060' }, {}, 'r.yaml:1 sip.proxy: a trunk is configured, but REACHWATCH_SIP_USER is not set'],
    [{ proxy: 'sip.carrier.kz' }, { REACHWATCH_SIP_USER: 'u' }, 'r.yaml:1 sip.proxy: must be host:port like "sip.example.kz:5060", not "sip.carrier.kz".'],
    [{ proxy: 'a:5060', transport: 'sctp' }, { REACHWATCH_SIP_USER: 'u' }, 'r.yaml:1 sip.transport: must be udp, tcp or tls, not "sctp".'],
    [{ domain: 'carrier.kz' }, {}, 'r.yaml:1 sip.domain: has no effect without sip.proxy'],
    [{ ring_timeout: 'soon' }, {}, 'r.yaml:1 sip.ring_timeout: must be a duration'],
    [{ price_per_minute: -1 }, {}, 'r.yaml:1 sip.price_per_minute: must be a number of at least 0'],
    [{ password: 'x' }, {}, 'r.yaml:1 sip.password: unknown key "password" in sip'],
    [{ proxy: 'a:5061', ca_file: 'ca.pem' }, { REACHWATCH_SIP_USER: 'u' }, 'r.yaml:1 sip.ca_file: is used only with transport: tls'],
    [{ proxy: 'a:5061', transport: 'tls', ca_file: 'no-such-ca.pem' }, { REACHWATCH_SIP_USER: 'u' }, 'r.yaml:1 sip.ca_file: /tmp/no-such-ca.pem cannot be read (ENOENT)'],
    [{ proxy: 'a:5061', transport: 'tls', ca_file: '/etc/hostname' }, { REACHWATCH_SIP_USER: 'u' }, 'r.yaml:1 sip.ca_file: /etc/hostname holds no PEM certificate'],
  ])('%o is refused with a sentence naming the key', (sip, env, message) => {
    const found = problems(sip, env);
    expect(found.some((p) => p.startsWith(message)), found.join('\n')).toBe(true);
  });
});

describe('a SIP call left in flight by a crash', () => {
  let db: DB;
  let remove: () => void;
  beforeAll(() => {
    const t = tempDir();
    remove = t.remove;
    db = openDatabase(path.join(t.dir, 'data'));
    const reg = `- id: a\n  name: A\n  kind: hotline\n  channels:\n    - {type: phone, value: "+77172000101", methods: [sip]}\n`;
    syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml')), 'r.yaml', 'x');
  });
  afterAll(() => {
    db.close();
    remove();
  });

  test('is stored once as our error and still counts toward the number\'s caps; Twilio attempts are left to the Twilio prober', async () => {
    const ledger = new CallLedger(db);
    const t0 = Date.now() - 60_000;
    ledger.begin({ id: 'sip-aaaaaaaaaaaaaaaaaaaaaaaa', channelId: 'a--phone-77172000101', number: '+77172000101', dueAt: t0, startedAt: t0, estimatedCost: 0.05 });
    ledger.begin({ id: 'bbbbbbbbbbbbbbbbbbbbbbbb', channelId: 'a--phone-77172000101', number: '+77172000101', dueAt: t0, startedAt: t0, estimatedCost: 0.25 });
    const config = build({ proxy: '127.0.0.1:5060' }, { REACHWATCH_SIP_USER: 'u' });
    const prober = sipProberFor(config, db, () => 'Asia/Almaty');
    expect(prober?.method).toBe('sip');
    const stored: RecoveredProbe[] = [];
    // As the monitor stores it: classified, written, and linked to its attempt in the same transaction.
    const writer = new ProbeWriter(db, { rules: { confirmations: 3 }, batchMaxRows: 100, flushIntervalMs: 5, defaultTz: 'Asia/Almaty' });
    const store = async (p: RecoveredProbe) => {
      stored.push(p);
      await writer.add({ ...p, jobId: null, classification: classify(p.evidence) }, null, (probeId) => prober!.linkProbe!(p.evidence, probeId));
    };
    await prober!.recover!({ signal: new AbortController().signal, store });
    expect(stored.map((p) => p.evidence.attempt)).toEqual(['sip-aaaaaaaaaaaaaaaaaaaaaaaa']);
    expect(classify(stored[0]!.evidence as Evidence)).toMatchObject({ outcome: 'error', reason: 'sip_ua_failed' });
    expect(ledger.callsSince('+77172000101', t0 - 1)).toHaveLength(2);
    // Stored once: a second start finds nothing of its own left.
    await prober!.recover!({ signal: new AbortController().signal, store });
    expect(stored).toHaveLength(1);
    writer.close();
  });
});

describe('responsible calling applies unchanged, with the trunk\'s price', () => {
  test('the sip prober\'s gate: calling hours, the per-number cap shared with Twilio calls, and the spend cap at the trunk\'s price', () => {
    const t = tempDir();
    const db = openDatabase(path.join(t.dir, 'data'));
    try {
      const reg = `- id: a\n  name: A\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "+77172000101", methods: [sip]}\n`;
      const centers = assertLoadable(parseRegistry(reg, 'r.yaml'));
      syncRegistry(db, centers, 'r.yaml', 'x');
      const channel = centers[0]!.channels[0]!;
      const monday10 = Date.UTC(2026, 11, 7, 5, 0); // 10:00 in Almaty
      const sunday10 = Date.UTC(2026, 11, 6, 5, 0);
      const env = { REACHWATCH_SIP_USER: 'u' };
      const gate = (sip: Record<string, unknown>, telephony: Record<string, unknown> = {}) =>
        sipProberFor(buildConfig({ sip: { proxy: '127.0.0.1:5060', ...sip }, telephony }, env, 'r.yaml', (k) => k.join('.'), '/tmp'), db, () => 'Asia/Almaty')!.gate!;
      expect(gate({})(channel, monday10)).toEqual({ ok: true });
      expect(gate({})(channel, sunday10)).toMatchObject({ ok: false, reason: 'outside_hours' });
      // A spend cap below one call at the trunk's price: every call stops, and the operator hears of it.
      expect(gate({ price_per_minute: 2 }, { monthly_spend_cap: 1 })(channel, monday10)).toMatchObject({ ok: false, reason: 'spend_cap', alarm: expect.stringContaining('spend cap') });
      // A Twilio call to the same number today counts toward the same daily cap.
      new CallLedger(db).begin({ id: 'cccccccccccccccccccccccc', channelId: channel.id, number: '+77172000101', dueAt: monday10 - 60_000, startedAt: monday10 - 60_000, estimatedCost: 0.25 });
      expect(gate({})(channel, monday10)).toMatchObject({ ok: false, reason: 'daily_cap' });
    } finally {
      db.close();
      t.remove();
    }
  });
});
