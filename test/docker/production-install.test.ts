// The Docker image without Docker: its /app is built in a temporary folder by the Dockerfile's own
// COPY and RUN steps, with only node (24), npm, sh and dirname on PATH (node:24-slim has no Python and
// no compiler, and neither does this PATH), then its CMD is started and must answer /healthz, and its
// HEALTHCHECK command must pass. npm uses this machine's cache; a package missing from it comes from
// the npm registry.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { execForm, envOf, only, readDockerfile, single } from '../helpers/dockerfile.ts';
import { freePort } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { toolPath } from '../helpers/toolpath.ts';

const ROOT = path.resolve('.');
const t = tempDir('reachwatch-image-');
afterAll(() => t.remove());

const APP = path.join(t.dir, 'app');
/** The image's /app, here. */
const inApp = (p: string) => (p.startsWith('/app/') ? path.join(APP, p.slice('/app/'.length)) : path.resolve(APP, p));

// Only what node:24-slim has that the steps use. No python3, make, cc, gcc or g++.
const PATH = toolPath(path.join(t.dir, 'bin'), { node: process.execPath, npm: null, sh: null, dirname: null });
// A clean environment: none of the npm_config_* that `npm test` passes to its children.
const baseEnv = { PATH, HOME: homedir(), npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };

function copyStep(args: string): void {
  const words = args.split(/\s+/);
  const dest = words.pop() ?? '';
  const intoDir = words.length > 1 || dest.endsWith('/');
  for (const src of words) cpSync(path.join(ROOT, src), intoDir ? path.join(inApp(dest), path.basename(src)) : inApp(dest), { recursive: true });
}

describe('the Docker image, built and started without Docker', () => {
  const ins = readDockerfile();

  test('production dependencies install without a compiler or Python, and the image starts healthy', { timeout: 300_000 }, async () => {
    mkdirSync(APP, { recursive: true });
    for (const i of ins) {
      if (i.op === 'WORKDIR') expect(i.args).toBe('/app');
      if (i.op === 'COPY' && !i.args.startsWith('--from')) copyStep(i.args);
      if (i.op === 'RUN' && i.stage === 'deps') {
        for (const cmd of i.args.split(/\s+&&\s+/)) {
          // Emptying the cache would empty this machine's shared npm cache; in the image it only saves space.
          if (/^npm cache clean\b/.test(cmd)) continue;
          const r = spawnSync('sh', ['-c', cmd], { cwd: APP, env: baseEnv, encoding: 'utf8' });
          const out = `${r.stdout}${r.stderr}`;
          expect(r.status, `Dockerfile line ${i.line}: \`${cmd}\` failed:\n${out}`).toBe(0);
          // No install script was skipped unreviewed, and none ran node-gyp.
          expect(out).not.toMatch(/not yet covered by allowScripts|gyp (ERR|info)/);
        }
      }
    }
    // Production only: the npm "node" package (a devDependency) is not there, and nothing was compiled.
    expect(existsSync(path.join(APP, 'node_modules/better-sqlite3'))).toBe(true);
    expect(existsSync(path.join(APP, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(path.join(APP, 'node_modules/.bin/node'))).toBe(false);
    expect(existsSync(path.join(APP, 'node_modules/better-sqlite3/build'))).toBe(false);

    // Start it as the image does: its ENV, its CMD, with heap flags from the environment. Loopback and
    // a free port here (the image listens on 0.0.0.0:8080), and a registry with two phone numbers and
    // no Twilio account, so nothing leaves the machine.
    const imageEnv = Object.assign({}, ...only(ins, 'ENV', 'runtime').map((i) => envOf(i.args))) as Record<string, string>;
    expect(imageEnv.NODE_ENV).toBe('production');
    const cmdIns = single(ins, 'CMD', 'runtime');
    const cmd = execForm(cmdIns.args, cmdIns);
    const port = await freePort();
    writeFileSync(path.join(t.dir, 'centers.yaml'), '- id: hotline\n  name: Hotline\n  kind: hotline\n  channels:\n    - {type: phone, value: "87162780193"}\n');
    writeFileSync(path.join(t.dir, 'reachwatch.yaml'), 'registry: {file: centers.yaml, watch: false}\ncanaries: {urls: []}\n');
    const env = {
      ...baseEnv,
      ...imageEnv,
      HOST: '127.0.0.1',
      PORT: String(port),
      REACHWATCH_DATA_DIR: path.join(t.dir, 'data'),
      REACHWATCH_CONFIG: path.join(t.dir, 'reachwatch.yaml'),
      REACHWATCH_NODE_FLAGS: '--max-semi-space-size=1 --max-old-space-size=96',
    };
    const child = spawn(inApp(cmd[0] ?? ''), cmd.slice(1), { cwd: APP, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          const check = () => (/reachwatch is running/.test(logs) ? resolve() : setTimeout(check, 50));
          check();
        }),
        exited.then(([code, signal]) => Promise.reject(new Error(`the image's CMD exited (${code ?? signal}) before it was ready:\n${logs}`))),
      ]);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);

      // The image's HEALTHCHECK, run as Docker would inside the container.
      const hc = single(ins, 'HEALTHCHECK', 'runtime');
      const hcCmd = execForm(hc.args, hc);
      const probe = spawnSync(hcCmd[0] ?? '', hcCmd.slice(1), { cwd: APP, env, encoding: 'utf8' });
      expect(probe.status, probe.stderr).toBe(0);

      // The entry script exec'd node itself (so node gets the signals) with the flags from the environment.
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(argv.slice(1)).toEqual(['--max-semi-space-size=1', '--max-old-space-size=96', `${APP}/bin/../src/main.ts`]);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    expect(code, logs).toBe(0);
  });
});
