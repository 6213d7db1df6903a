// The agent's systemd unit is one systemd accepts (systemd-analyze verify, with the install path
// pointed at this checkout so its ExecStart exists), and its entry script starts `agent run`.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';
import { which } from '../helpers/toolpath.ts';

const t = tempDir();
afterAll(t.remove);
const UNIT = path.resolve('deploy/reachwatch-agent.service');
const analyze = which('systemd-analyze');

test.skipIf(analyze === null)('deploy/reachwatch-agent.service passes systemd-analyze verify with no warning (skipped where systemd-analyze is not installed)', () => {
  const text = readFileSync(UNIT, 'utf8');
  expect(text).toMatch(/^ExecStart=\/opt\/reachwatch\/bin\/reachwatch-agent$/m);
  const copy = path.join(t.dir, 'reachwatch-agent.service');
  writeFileSync(copy, text.replaceAll('/opt/reachwatch', path.resolve('.')));
  const r = spawnSync(analyze as string, ['verify', copy], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // The verifier catches what it should: a misspelt key is reported.
  writeFileSync(copy, text.replaceAll('/opt/reachwatch', path.resolve('.')).replace('RestartSec=', 'RestartSecs='));
  expect(spawnSync(analyze as string, ['verify', copy], { encoding: 'utf8' }).stderr).toMatch(/Unknown key 'RestartSecs'/);
});

test('the unit keeps the token out of the unit and the state folder private; the entry script runs agent run', () => {
  const text = readFileSync(UNIT, 'utf8');
  expect(text).toMatch(/^EnvironmentFile=\/etc\/reachwatch\/agent\.env$/m);
  expect(text).not.toMatch(/REACHWATCH_AGENT_TOKEN=rwa_[0-9a-f]/);
  expect(text).toMatch(/^StateDirectoryMode=0700$/m);
  expect(text).toMatch(/^RestartPreventExitStatus=77 78$/m);
  const entry = readFileSync(path.resolve('bin/reachwatch-agent'), 'utf8');
  expect(entry).toMatch(/exec node \$REACHWATCH_NODE_FLAGS "\$\(dirname "\$0"\)\/\.\.\/src\/cli\/main\.ts" agent run "\$@"/);
});
