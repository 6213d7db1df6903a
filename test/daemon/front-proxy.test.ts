// The production process answers on its front (src/daemon/front.ts), which passes requests to the
// daemon's core on an internal loopback socket. The front must be invisible: Twilio's signed webhooks
// (the signature covers the exact URL and body) drive a real call to its stored outcome, a forged one
// is still refused, a body far larger than a socket buffer arrives intact, answers stream back byte for
// byte, connections are kept alive, and the core's request log names the real client, never an address
// the client claimed in a header of its own.

import Database from 'better-sqlite3';
import { Agent, request } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { startFakeTwilio, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';
import { fakeTwilioEnv, freePort, startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { phoneDaemonSections } from '../helpers/phone-daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const NUMBER = '+77172000001';
const CHANNEL = `front-center--phone-${NUMBER.slice(1)}`;
let fake: FakeTwilio;
let dir: string;
let cleanup: () => void;
let daemon: RunningDaemon;
/** The front's address: the port Twilio's webhooks are addressed to (REACHWATCH_PUBLIC_URL). */
let url: string;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  fake = await startFakeTwilio({ accountSid: 'AC' + '0'.repeat(32), authToken: 'front-proxy-token', timeScale: 0.05 });
  fake.script(NUMBER, { outcome: 'completed', answerAfter: 2000, press: '1' });
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    `- id: front-center\n  name: Front Center\n  kind: rehabilitation_center\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "${NUMBER}"}\n`,
  );
  // A body limit far above a socket buffer's size, so the large-body case is accepted, not refused.
  const sections = phoneDaemonSections({ config: { http: { body_limit: 4 * 1024 * 1024 } } });
  const config = writeConfig(dir, JSON.stringify(sections)); // JSON is YAML
  const port = await freePort();
  daemon = await startDaemonProcess({ config, dataDir: path.join(dir, 'data'), env: { ...fakeTwilioEnv(fake, port), PORT: String(port) } });
  url = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await fake?.close();
  cleanup?.();
});

/** The core's own address, from its start-up line. */
function coreUrl(): string {
  const line = daemon.logs.find((l) => l.includes('reachwatch is running'));
  const core = (JSON.parse(line ?? '{}') as { core?: string }).core;
  if (!core) throw new Error(`no core address in the start-up line: ${line}`);
  return core;
}

function get(url: string, opts: { agent?: Agent; localAddress?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Buffer; reused: boolean; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: opts.agent, localAddress: opts.localAddress, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), reused: req.reusedSocket, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the front passes requests to the core unchanged', () => {
  test("Twilio's signed webhooks drive a call to its stored outcome through the front; a forged one is refused; a 1.5 MB signed body arrives intact", async () => {
    const call = await until('the daemon to call the number', () => [...fake.calls.values()].find((c) => c.to === NUMBER), 30_000);
    await fake.waitForCall(call.sid, 'completed', 30_000);
    const hooks = fake.webhookLog.filter((w) => w.url.startsWith(`${url}/twilio/`));
    expect(hooks.length).toBeGreaterThan(2);
    // Status callbacks, the TwiML fetch and the menu's gather: every one accepted (a front that changed
    // the URL or the body would get 403 from the signature check).
    expect(hooks.map((w) => w.status).filter((s) => s !== 200 && s !== 204), JSON.stringify(hooks.map((w) => [w.url, w.status]))).toEqual([]);
    const outcome = await until(
      'the call probe to be stored',
      () => {
        const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
        try {
          return db
            .prepare("SELECT p.outcome FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE c.id = ? AND p.method = 'call'")
            .get(CHANNEL) as { outcome: string } | undefined;
        } finally {
          db.close();
        }
      },
      30_000,
    );
    expect(outcome.outcome).toBe('reachable');

    const forged = await fake.sendCallback(call.sid, { CallStatus: 'completed' }, { signature: 'bad' });
    expect(forged.status).toBe(403);

    // Signed over every parameter: one byte lost or reordered in 1.5 MB and the signature fails (403).
    const big = await fake.sendCallback(call.sid, { CallStatus: 'completed', Padding: 'x'.repeat(1_500_000) });
    expect([200, 204], `${big.status} ${big.error ?? ''}`).toContain(big.status);
  }, 120_000);

  test('answers stream back byte for byte, over a kept-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const viaFront = await get(`${url}/api/v1/centers`, { agent });
      const again = await get(`${url}/`, { agent });
      const direct = await get(`${coreUrl()}/api/v1/centers`);
      expect(viaFront.status).toBe(200);
      expect(viaFront.body.equals(direct.body)).toBe(true);
      expect(again.status).toBe(200);
      expect(again.body.length).toBeGreaterThan(10_000);
      expect(again.reused, 'the second request went over the first one\'s connection').toBe(true);
      expect(again.headers['keep-alive']).toBe('timeout=72');
    } finally {
      agent.destroy();
    }
  }, 60_000);

  test("the core's request log names the client's own address, never one the client put in X-Forwarded-For", async () => {
    const ipLogged = async (localAddress: string) => {
      const marker = `client-address-${localAddress.replaceAll('.', '-')}-${Date.now()}`;
      const r = await get(`${url}/api/v1/centers?${marker}=1`, { localAddress, headers: { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Host': 'evil.example' } });
      expect(r.status).toBe(200);
      const line = await until('the request in the log', () => daemon.logs.find((l) => l.includes(marker) && l.includes('incoming request')), 10_000);
      return (JSON.parse(line) as { req: { ip: string } }).req.ip;
    };
    expect(await ipLogged('127.0.0.7')).toBe('127.0.0.7');
    // From the front's own address, which the core trusts: a header appended to rather than replaced
    // would make the client's claim the address.
    expect(await ipLogged('127.0.0.1')).toBe('127.0.0.1');
  }, 60_000);
});
