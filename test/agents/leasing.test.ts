// What an agent may lease and for how long (src/agents/leasing.ts): only the methods its capabilities
// cover, short codes only with `short_codes`, and a lease as long as the probe's deadline plus the
// configured margin, so a lease never ends while the probe it covers may still be running.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { leaseAskOf, leaseDurations, leasableMethods, leasedJobOf } from '../../src/agents/leasing.ts';
import { loadConfig } from '../../src/config/config.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);

function config(yaml: string) {
  const file = path.join(t.dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({}, file);
}

test('an agent leases only the methods its capabilities cover', () => {
  expect(leasableMethods(['website'])).toEqual(['http']);
  expect(leasableMethods(['twilio']).sort()).toEqual(['call', 'lookup']);
  expect(leasableMethods(['short_codes'])).toEqual([]);
  expect(leasableMethods([])).toEqual([]);
});

test("a lease lasts the probe's deadline plus vantage.lease_margin; a call's deadline covers ringing, talking and the callbacks", () => {
  const c = config('vantage:\n  points: {kz: {domestic: true}}\n  lease_margin: 30s\nwebsite:\n  total_timeout: 20s\ntelephony:\n  ring_timeout: 40s\n');
  const d = leaseDurations(c);
  expect(d.deadlineMs.http).toBe(25_000);
  expect(d.leaseMs.http).toBe(55_000);
  expect(d.deadlineMs.call).toBeGreaterThan(40_000 + c.telephony.timeLimitSec * 1000);
  expect(d.leaseMs.call).toBe((d.deadlineMs.call as number) + 30_000);
  const agent = { id: 'agt_1', name: 'almaty-1', vantage: 'kz', capabilities: ['website', 'short_codes'] as const, publicKey: null };
  expect(leaseAskOf({ ...agent, capabilities: [...agent.capabilities] }, { max: 7 }, 1000, d)).toEqual({
    agentId: 'agt_1', vantage: 'kz', methods: ['http'], shortCodes: true, max: 7, now: 1000, leaseMs: d.leaseMs,
  });
  const slot = { jobId: 'a--web-x#http@kz', method: 'http', slotAt: 5, leaseUntil: 9, leases: 1, channel: { ref: 1, id: 'a--web-x', centerId: 'a', type: 'website', value: 'x', target: 'https://x.kz/', options: {}, tz: null } };
  expect(leasedJobOf(slot, d, 'Asia/Almaty')).toEqual({
    jobId: 'a--web-x#http@kz', method: 'http', slotAt: 5, leaseUntil: 9, deadlineMs: 25_000,
    channel: { id: 'a--web-x', centerId: 'a', type: 'website', value: 'x', target: 'https://x.kz/', options: {}, tz: 'Asia/Almaty' },
  });
});
