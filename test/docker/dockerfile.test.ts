// What can be checked of the image without a Docker engine: the Dockerfile, the entry script it shares
// with `npm start`, the install scripts npm may run, and that an install leaves the lockfile alone.

import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { SHUTDOWN_GRACE_MS } from '../../src/main.ts';
import { SIP_RUNTIME_PACKAGES } from '../../src/probers/sip/programs.ts';
import { execForm, only, readDockerfile, single } from '../helpers/dockerfile.ts';
import { tempDir } from '../helpers/tmp.ts';
import { toolPath } from '../helpers/toolpath.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** `docker stop` and compose's default stop_grace_period, after which they send SIGKILL. */
const DOCKER_STOP_TIMEOUT_MS = 10_000;
const ENTRY = 'bin/reachwatch-daemon';
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string>; allowScripts?: Record<string, boolean> };
const ins = readDockerfile();

/** The environment of a child npm without the npm_config_* that `npm test` hands down. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', ...extra };
}

describe('Dockerfile', () => {
  test('the runtime image installs what the sip method runs (baresip, espeak-ng, sox), the packages the start-up check names', () => {
    const runs = only(ins, 'RUN', 'runtime').map((i) => i.args);
    const install = runs.find((r) => /apt-get install/.test(r)) ?? '';
    for (const pkg of SIP_RUNTIME_PACKAGES) expect(install.split(/\s+/)).toContain(pkg);
    expect(install).toMatch(/--no-install-recommends/);
    expect(install).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    // The packages exist in this Debian (the image's base is Debian too).
    const r = spawnSync('apt-cache', ['show', '--no-all-versions', ...SIP_RUNTIME_PACKAGES], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  test("docker stop's SIGTERM lets the daemon finish its shutdown before the SIGKILL", () => {
    const stop = only(ins, 'STOPSIGNAL', 'runtime');
    expect(stop.map((i) => i.args)).toEqual(['SIGTERM']);
    expect(SHUTDOWN_GRACE_MS).toBeLessThan(DOCKER_STOP_TIMEOUT_MS);
    // The Dockerfile and the operator's guide state the same limit.
    const seconds = `${SHUTDOWN_GRACE_MS / 1000} s`;
    expect(readFileSync('Dockerfile', 'utf8')).toContain(`SHUTDOWN_GRACE_MS in src/main.ts, ${seconds}`);
    const docker = /^## Docker\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readFileSync('docs/operating.md', 'utf8'))?.[1] ?? '';
    expect(docker).toContain(seconds);
  });

  test('the image and `npm start` start the daemon through one entry script, with no heap flags fixed', () => {
    const cmd = single(ins, 'CMD', 'runtime');
    expect(execForm(cmd.args, cmd)).toEqual([`/app/${ENTRY}`]);
    expect(pkg.scripts.start).toBe(ENTRY);
    expect(`${cmd.args} ${pkg.scripts.start}`).not.toMatch(/--max-/);
  });

  test('the entry script passes REACHWATCH_NODE_FLAGS to node, or the benchmarked limits when unset', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    // A stand-in `node` that prints the arguments it was given, one a line.
    const fakeNode = path.join(t.dir, 'fake-node');
    writeFileSync(fakeNode, '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const PATH = toolPath(path.join(t.dir, 'bin'), { node: fakeNode, dirname: null });
    const run = (env: Record<string, string>) => {
      const r = spawnSync('/bin/sh', [ENTRY, '--extra'], { env: { PATH, ...env }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim().split('\n');
    };
    const script = 'bin/../src/main.ts';
    expect(run({})).toEqual(['--max-semi-space-size=2', '--max-old-space-size=128', script, '--extra']);
    expect(run({ REACHWATCH_NODE_FLAGS: '--max-old-space-size=512 --stack-size=2000' })).toEqual(['--max-old-space-size=512', '--stack-size=2000', script, '--extra']);
    expect(run({ REACHWATCH_NODE_FLAGS: '' })).toEqual([script, '--extra']);
  });
});

describe('install scripts', () => {
  test('every dependency install script is reviewed in allowScripts', () => {
    const r = spawnSync('npm', ['install-scripts', 'ls', '--json'], { env: cleanEnv(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { allowScripts: unknown[] }).allowScripts).toEqual([]);
  });

  test("no production dependency needs its install script (the image's npm ci runs none)", () => {
    const npmCi = only(ins, 'RUN', 'deps').map((i) => i.args).join(' ');
    expect(npmCi).toMatch(/npm ci --omit=dev --ignore-scripts/);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript && !p.dev)
      .map(([where]) => where.replace(/^.*node_modules\//, ''));
    for (const name of withScripts) expect(pkg.allowScripts?.[name], `${name}'s install script: the image skips it`).toBe(false);
  });

  test("a newcomer's `npm install` leaves package-lock.json as committed", { timeout: 300_000 }, () => {
    const t = tempDir();
    cleanups.push(t.remove);
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(f, path.join(t.dir, f));
    // No user npmrc (a newcomer has none); this machine's cache, so the registry is asked little.
    // Install scripts write nothing to the lockfile; skipping them saves unpacking Node 24 again.
    const userconfig = path.join(t.dir, 'empty-npmrc');
    writeFileSync(userconfig, '');
    const env = cleanEnv({ npm_config_userconfig: userconfig, npm_config_cache: path.join(homedir(), '.npm'), npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' });
    const r = spawnSync('npm', ['install', '--ignore-scripts'], { cwd: t.dir, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(t.dir, 'package-lock.json'), 'utf8')).toBe(readFileSync('package-lock.json', 'utf8'));
  });
});
