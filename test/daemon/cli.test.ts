// `reachwatch check` and `reachwatch validate` as a person runs them: through the package's bin.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { page, refusedPort, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runBin, writeConfig } from '../helpers/daemon.ts';

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
