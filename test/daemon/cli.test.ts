// `reachwatch check` and `reachwatch validate` as a person runs them: through the package's bin.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { page, refusedPort, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { MAIN, NODE, runBin, writeConfig } from '../helpers/daemon.ts';

let site: LoopbackSite;
let dir: string;
let cleanup: () => void;
let config: string;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  site = await startSite({ routes: { 'open.example.kz/*': page('<title>Open center</title>'), 'gone.example.kz/*': page('gone', { status: 410 }) } });
  const dead = await refusedPort();
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    `- id: two-sites
  name: Two sites
  kind: rehabilitation_center
  channels:
    - {type: website, value: "${site.url('open.example.kz')}"}
    - {type: website, value: "${site.url('gone.example.kz')}"}
    - {type: website, value: "http://dead.example.kz:${dead}/"}
    - {type: phone, value: "114"}
`,
  );
  config = writeConfig(dir, `registry: {file: centers.yaml}\ncanaries: {urls: []}\nwebsite: {resolve: {open.example.kz: 127.0.0.1, gone.example.kz: 127.0.0.1, dead.example.kz: 127.0.0.1}}\n`);
});

afterAll(async () => {
  await site.close();
  cleanup();
});


const run = (args: string[]) => runBin(args, { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: path.join(dir, 'data') });

test('check probes every channel of a center now and prints a table, without a daemon or database', async () => {
  const r = await run(['check', 'two-sites']);
  expect(r.stderr).toBe('');
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^channel\s+type\s+target\s+outcome\s+reason\s+time\s+detail$/);
  expect(r.stdout).toMatch(/two-sites--web-open-example-kz\S*\s+website\s+\S+\s+reachable\s+ok\s/);
  expect(r.stdout).toMatch(/two-sites--web-gone-example-kz\S*\s+website\s+\S+\s+closed\s+http_410\s/);
  expect(r.stdout).toMatch(/two-sites--web-dead-example-kz\S*\s+website\s+\S+\s+unavailable\s+connection_refused\s/);
  expect(r.stdout).toMatch(/two-sites--phone-114\s+phone\s+114\s+not probed\s+.*short code/);
  expect(r.status).toBe(2); // not everything reachable
  expect(site.requests.some((q) => q.host === 'open.example.kz')).toBe(true);
});

test('check of one channel exits 0 when it is reachable; --json gives the raw evidence', async () => {
  const id = (await run(['check', 'two-sites'])).stdout.match(/two-sites--web-open-example-kz\S*/)?.[0] as string;
  const r = await run(['check', id, '--json']);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as { channel: string; evidence: { hops: { status: number }[] }; classification: { outcome: string } }[];
  expect(out[0]?.classification.outcome).toBe('reachable');
  expect(out[0]?.evidence.hops[0]?.status).toBe(200);
});

test('check of an unknown id names it', async () => {
  const r = await run(['check', 'no-such-thing']);
  expect(r.status).toBe(65);
  expect(r.stderr).toContain('"no-such-thing" is neither a center nor a channel id');
});

test('validate lists problems with file, line and field; exit 1 on errors', async () => {
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, '- id: a\n  name: A\n  kind: hotline\n  chanels: []\n');
  const r = await run(['validate', bad]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/bad\.yaml:4:3 a\.chanels: .*channels/);
  const good = await run(['validate', path.resolve('config/centers.yaml')]);
  expect(good.status).toBe(0);
  expect(good.stdout).toContain('45 centers, 31 channels (29 probeable), 0 errors, 2 warnings');
});

// Issue 12, item 8: what cannot be right is refused (a name with control characters, a name of a
// megabyte) or kept but never probed (a website "www", a Moscow number for a Kazakh center).
const FAULTS = `- id: gamma
  name: "Gamma\\a\\e[2J"
  kind: hotline
  channels:
    - {type: website, value: www}
    - {type: phone, value: "8 (495) 123-45-67"}
- id: delta
  name: "${'D'.repeat(1 << 20)}"
  kind: hotline
`;

test('validate refuses control characters and a megabyte name, and names the channels it will not probe; nothing raw reaches the terminal', async () => {
  const file = path.join(dir, 'faults.yaml');
  writeFileSync(file, FAULTS);
  const r = await run(['validate', file]);
  expect(r.status).toBe(1);
  const out = r.stderr + r.stdout;
  expect(out).toMatch(/faults\.yaml:2:9 gamma\.name: "name" contains the control character U\+0007 \(BEL\) at character 6 of "Gamma\\u0007\\u001b\[2J"/);
  expect(out).toMatch(/faults\.yaml:5:\d+ gamma\.channels\[0\]\.value: "www" has the host name "www", a single word without a domain/);
  expect(out).toMatch(/faults\.yaml:6:\d+ gamma\.channels\[1\]\.value: The phone number "8 \(495\) 123-45-67" \(\+74951234567\) is a number in Russia \(RU\), but the center is in Kazakhstan \(KZ\)/);
  expect(out).toMatch(/faults\.yaml:8:\d+ delta\.name: "name" is 1,048,576 characters long/);
  expect(out).toContain('2 errors, 2 warnings');
  expect(out).not.toMatch(/[\u0007\u001b]/);
  expect(out.length).toBeLessThan(5000);
});

test('check does not probe a website "localhost" or a Moscow number, and says why', async () => {
  const sub = path.join(dir, 'check-faults');
  mkdirSync(sub, { recursive: true });
  const dead = await refusedPort();
  writeFileSync(
    path.join(sub, 'centers.yaml'),
    `- id: gamma\n  name: Gamma\n  kind: hotline\n  channels:\n    - {type: website, value: "localhost:${dead}"}\n    - {type: phone, value: "8 (495) 123-45-67"}\n`,
  );
  // Were it probed, "localhost" would come back "unavailable" (nothing listens there) and count
  // against the center.
  const cfg = writeConfig(sub, `registry: {file: centers.yaml}\ncanaries: {urls: []}\n`);
  const r = await runBin(['check', 'gamma'], { REACHWATCH_CONFIG: cfg, REACHWATCH_DATA_DIR: path.join(sub, 'data') });
  expect(r.stdout).toMatch(/gamma--web-localhost-\d+\s+website\s+localhost:\d+\s+not probed\s+.*single word without a domain/);
  expect(r.stdout).toMatch(/gamma--phone-74951234567\s+phone\s+.*not probed\s+.*is a number in Russia/);
  expect(r.stdout).not.toMatch(/unavailable/);
});

test('the daemon refuses to start on a registry with control characters, before it creates its data folder', () => {
  const sub = path.join(dir, 'start-faults');
  mkdirSync(sub, { recursive: true });
  writeFileSync(path.join(sub, 'centers.yaml'), FAULTS);
  const cfg = writeConfig(sub, `registry: {file: centers.yaml, watch: false}\ncanaries: {urls: []}\n`);
  const data = path.join(sub, 'data');
  const r = spawnSync(NODE, [MAIN], { env: { ...process.env, REACHWATCH_CONFIG: cfg, REACHWATCH_DATA_DIR: data, PORT: '0', HOST: '127.0.0.1' }, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  expect(r.status).toBe(78);
  expect(r.stderr).toMatch(/centers\.yaml:2:9 gamma\.name: "name" contains the control character U\+0007/);
  expect(r.stderr).toMatch(/centers\.yaml:8:\d+ delta\.name: "name" is 1,048,576 characters long/);
  expect(r.stderr).not.toMatch(/[\u0007\u001b]/);
  expect(existsSync(data)).toBe(false);
}, 40_000);
