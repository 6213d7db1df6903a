// The agent reaches its central over HTTPS with a private CA: trusted through agent.ca_file (the
// client adds it to the system's roots), refused without it. The server here is a loopback HTTPS
// stand-in that answers the enrollment route.

import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CentralClient, CentralError } from '../../src/agent/client.ts';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { createTestPki, type TestPki } from '../../simulators/tls.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir('rw-agent-tls-');
let pki: TestPki;
let server: Server;
let port = 0;
const caFile = path.join(t.dir, 'central-ca.pem');
const TOKEN = `rwa_0123456789abcdef_${'x'.repeat(43)}`;

beforeAll(async () => {
  pki = await createTestPki();
  writeFileSync(caFile, pki.ca.cert);
  const leaf = await pki.issue({ hosts: ['localhost', '127.0.0.1'] });
  server = createServer({ key: leaf.key, cert: leaf.cert }, (req, res) => {
    res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ agent: { id: 'agt_0123456789abcdef', name: 'almaty-1', vantage: 'kz' }, protocol: 1, serverTime: Date.now() }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
}, 60_000);

afterAll(async () => {
  server?.close();
  await pki?.cleanup();
  t.remove();
});

const enroll = (client: CentralClient) => client.enroll({ publicKey: generateAgentKeys().publicKey, capabilities: [], version: 'test', agentTime: Date.now() });

test('trusted through agent.ca_file; without it the certificate is refused and nothing is sent', async () => {
  const trusted = new CentralClient({ baseUrl: `https://localhost:${port}`, token: TOKEN, caFile, timeoutMs: 20_000 });
  try {
    const r = await enroll(trusted);
    expect(r.body.agent.id).toBe('agt_0123456789abcdef');
  } finally {
    await trusted.close();
  }
  const untrusted = new CentralClient({ baseUrl: `https://localhost:${port}`, token: TOKEN, timeoutMs: 20_000 });
  try {
    const err = await enroll(untrusted).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CentralError);
    expect((err as CentralError).status).toBe(0);
    expect((err as CentralError).message).toMatch(/certificate|UNABLE_TO_VERIFY|SELF_SIGNED/i);
  } finally {
    await untrusted.close();
  }
}, 60_000);
