// scripts/system-packages.sh, which `npm test` runs first: it installs what system-packages.txt lists
// and the machine lacks, or stops with the command to run. apt-get, id and sudo are stand-ins on PATH
// that log their calls (this machine's real apt-get must not be touched by a test); bash is the real one.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { CHROMIUM } from '../helpers/browser.ts';
import { tempDir } from '../helpers/tmp.ts';
import { toolPath } from '../helpers/toolpath.ts';

const SCRIPT = path.resolve('scripts/system-packages.sh');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

interface Machine {
  uid: number;
  /** true: `sudo -n` is allowed (no password needed); false: it wants a password; absent: no sudo. */
  sudo?: boolean | 'absent';
  apt?: boolean;
  /** apt-get update fails, as it does without network. */
  offline?: boolean;
  env?: Record<string, string>;
}

function setup(list: string) {
  const t = tempDir();
  cleanups.push(t.remove);
  const calls = path.join(t.dir, 'calls.log');
  const installed = path.join(t.dir, 'installed');
  const listFile = path.join(t.dir, 'system-packages.txt');
  writeFileSync(listFile, list.replaceAll('INSTALLED', installed));
  writeFileSync(calls, '');
  const fake = (name: string, body: string) => writeFileSync(path.join(t.dir, 'fake', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  toolPath(path.join(t.dir, 'fake'), { bash: null, mkdir: null, touch: null, rm: null, true: null, chmod: null });
  const policy = path.join(t.dir, 'policy-rc.d');
  // apt-get "installs" a package by creating INSTALLED/<name>, the proof the test lists use.
  fake('apt-get', `echo "apt-get $*" >> "${calls}"
[ "$1" = install ] && { [ -x "$REACHWATCH_POLICY_RC_D" ] && "$REACHWATCH_POLICY_RC_D" prometheus start; echo "policy-rc.d answers $?" >> "${calls}.policy"; }
[ "$1" = update ] && { [ -n "$FAKE_OFFLINE" ] && { echo "E: Failed to fetch: Temporary failure resolving" >&2; exit 100; }; exit 0; }
mkdir -p "${installed}"
for a in "$@"; do case "$a" in -*|install) ;; *) touch "${installed}/$a" ;; esac; done`);
  fake('id', '[ "$1" = -u ] && echo "$FAKE_UID"');
  fake('sudo', `[ "$1" = -n ] && shift
[ -n "$FAKE_SUDO" ] || { echo "sudo: a password is required" >&2; exit 1; }
[ "$1" = true ] || echo "sudo $*" >> "${calls}"
exec "$@"`);
  const run = (m: Machine) => {
    if (m.apt === false) rmSync(path.join(t.dir, 'fake', 'apt-get'));
    if (m.sudo === 'absent') rmSync(path.join(t.dir, 'fake', 'sudo'));
    const env: Record<string, string> = {
      PATH: path.join(t.dir, 'fake'),
      TMPDIR: t.dir,
      REACHWATCH_SYSTEM_PACKAGES: listFile,
      REACHWATCH_POLICY_RC_D: policy,
      FAKE_UID: String(m.uid),
      ...(m.sudo === true ? { FAKE_SUDO: '1' } : {}),
      ...(m.offline ? { FAKE_OFFLINE: '1' } : {}),
      ...m.env,
    };
    const r = spawnSync(path.join(t.dir, 'fake', 'bash'), [SCRIPT], { env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) };
  };
  const policyLog = () => (existsSync(`${calls}.policy`) ? readFileSync(`${calls}.policy`, 'utf8').trim().split('\n') : []);
  return { run, installed, listFile, policy, policyLog };
}

const LIST = `# a comment
present-tool  bash   something already there
needed-tool   INSTALLED/needed-tool   the widget tests (test/widget.ts)
`;

describe('system-packages.sh', () => {
  test('not root and sudo wants a password: stops with one line naming the exact command, calls no apt-get', () => {
    const r = setup(LIST).run({ uid: 1000 });
    expect(r).toMatchObject({ status: 1, stdout: '', calls: [] });
    expect(r.stderr).toBe('system-packages: the tests need needed-tool, and this is not root and sudo needs a password; run: sudo apt-get update && sudo apt-get install -y needed-tool\n');
  });

  test('not root and no sudo at all: the command is to be run as root', () => {
    const r = setup(LIST).run({ uid: 1000, sudo: 'absent' });
    expect(r).toMatchObject({ status: 1, stdout: '', calls: [] });
    expect(r.stderr).toBe('system-packages: the tests need needed-tool, and this is not root and has no sudo; run as root: apt-get update && apt-get install -y needed-tool\n');
  });

  test('a missing package, as root: apt-get installs it, one line printed, and the script succeeds', () => {
    const s = setup(LIST);
    const r = s.run({ uid: 0 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('system-packages: installing needed-tool for the widget tests (test/widget.ts)\n');
    expect(r.calls).toEqual(['apt-get update -qq', 'apt-get install -y -qq needed-tool']);
    expect(existsSync(path.join(s.installed, 'needed-tool'))).toBe(true);
  });

  // Debian's prometheus package (for promtool) starts a Prometheus server where an init system runs.
  test('no service starts while packages install: a policy-rc.d answers 101 meanwhile, and is gone after', () => {
    const s = setup(LIST);
    const r = s.run({ uid: 0 });
    expect(r.status, r.stderr).toBe(0);
    expect(s.policyLog()).toEqual(['policy-rc.d answers 101']);
    expect(existsSync(s.policy)).toBe(false);
  });

  test("a machine's own policy-rc.d is used and left as it was", () => {
    const s = setup(LIST);
    writeFileSync(s.policy, '#!/bin/sh\nexit 104\n', { mode: 0o755 });
    expect(s.run({ uid: 0 }).status).toBe(0);
    expect(s.policyLog()).toEqual(['policy-rc.d answers 104']);
    expect(readFileSync(s.policy, 'utf8')).toBe('#!/bin/sh\nexit 104\n');
  });

  test('not root, with password-less sudo: installs through sudo -n', () => {
    const r = setup(LIST).run({ uid: 1000, sudo: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.filter((c) => c.includes('apt-get'))).toEqual(['sudo apt-get update -qq', 'apt-get update -qq', 'sudo apt-get install -y -qq needed-tool', 'apt-get install -y -qq needed-tool']);
    // The policy-rc.d that keeps services from starting is written and removed through sudo too.
    expect(r.calls.at(-1)).toMatch(/^sudo rm -f .*policy-rc\.d$/);
  });

  test('nothing missing: no apt-get call, no output', () => {
    const s = setup(LIST);
    expect(s.run({ uid: 0 }).status).toBe(0);
    const again = s.run({ uid: 1000 }); // even where it could not install
    expect(again).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(again.calls).toEqual(['apt-get update -qq', 'apt-get install -y -qq needed-tool']); // the first run's only
  });

  test('no network (apt-get update fails) or no apt-get: stops with the command, installs nothing', () => {
    const offline = setup(LIST).run({ uid: 0, offline: true });
    expect(offline.status).toBe(1);
    expect(offline.stderr).toMatch(/apt-get update failed \(E: Failed to fetch.*\); run: apt-get update && apt-get install -y needed-tool\n$/);
    expect(offline.calls).toEqual(['apt-get update -qq']);

    const noApt = setup(LIST).run({ uid: 0, apt: false });
    expect(noApt.status).toBe(1);
    expect(noApt.stderr).toMatch(/no apt-get.*; run: apt-get update && apt-get install -y needed-tool\n$/);
  });

  test('a proof may name a variable: its path wins over the default, as the tests use it', () => {
    const s = setup('browser  ${FAKE_BROWSER:-INSTALLED/nowhere}  browser tests\n');
    expect(s.run({ uid: 1000, env: { FAKE_BROWSER: SCRIPT } })).toMatchObject({ status: 0, calls: [] });
    // Installing the package does not create a browser where the variable points: said, not ignored.
    const r = s.run({ uid: 0, env: { FAKE_BROWSER: '/nonexistent/browser' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('installed browser, but /nonexistent/browser (from $FAKE_BROWSER or its default) is still missing');
  });

  test('a malformed line is refused with its file and line', () => {
    const s = setup('# packages\nlonely-package\n');
    const r = s.run({ uid: 0 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${s.listFile}:2: expected "package proof purpose"`);
    expect(r.calls).toEqual([]);
  });
});

describe('one list, used everywhere', () => {
  test("the list names Chromium as the browser tests find it, and npm test and .ci/run go through the script", () => {
    const list = readFileSync('system-packages.txt', 'utf8');
    expect(list).toMatch(/^chromium\s+\$\{REACHWATCH_CHROMIUM:-\/usr\/bin\/chromium\}\s+\S/m);
    expect(list).toMatch(/^prometheus\s+promtool\s+\S/m);
    expect(CHROMIUM).toBe(process.env.REACHWATCH_CHROMIUM ?? '/usr/bin/chromium');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test?.startsWith('bash scripts/system-packages.sh && ')).toBe(true);
    const ci = readFileSync('.ci/run', 'utf8').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(ci.slice(-2)).toEqual(['npm ci --no-audit --no-fund', 'npm test']);
    expect(ci.join('\n')).not.toMatch(/apt-get|chromium/);
    expect(spawnSync('bash', ['-n', '.ci/run']).status).toBe(0);
  });
});
