// demo/, bench/ and simulators/ are not tests: they run the simulators (the Twilio-protocol server,
// the loopback sites, the receivers) and must not reach into test/, so test/ stays free to change
// for the tests alone; src/ needs neither. This walks every TypeScript file in those folders and
// resolves each module it loads.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importsInto } from './imports.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

describe('imports across the top-level folders', () => {
  it('demo/, bench/ and simulators/ import nothing from test/', () => {
    const found = importsInto(ROOT, ['demo', 'bench', 'simulators'], 'test');
    expect(found.map((f) => `${f.file}:${f.line}: ${f.specifier}`)).toEqual([]);
  });

  it('src/ imports nothing from test/ or simulators/: the daemon runs without them', () => {
    const found = [...importsInto(ROOT, ['src'], 'test'), ...importsInto(ROOT, ['src'], 'simulators')];
    expect(found.map((f) => `${f.file}:${f.line}: ${f.specifier}`)).toEqual([]);
  });

  it('names the file, line and specifier of every kind of import into test/', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'reachwatch-imports-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(path.join(root, 'demo', 'lib'), { recursive: true });
    mkdirSync(path.join(root, 'test', 'helpers'), { recursive: true });
    mkdirSync(path.join(root, 'testing'), { recursive: true });
    writeFileSync(
      path.join(root, 'demo', 'lib', 'a.ts'),
      [
        "import { x } from '../../TESTDIR/helpers/x.ts';",
        "import type { Y } from '../../TESTDIR/helpers/y.ts';",
        "export { z } from '../../TESTDIR/z.ts';",
        'const m = await import("../../TESTDIR/helpers/m.ts");',
        "const child = new URL('../../TESTDIR/child.ts', import.meta.url);",
        "import {",
        "  multi,",
        "} from '../../TESTDIR/helpers/multi.ts';",
        "import { fine } from '../../testing/fine.ts';",
        "import { alsoFine } from './test/not-the-top-level.ts';",
        "import twilio from 'twilio';",
        "// a comment naming '../../TESTDIR/helpers' is not an import",
      ]
        .join('\n')
        // Spelled TESTDIR here so that this file does not itself import into test/ by the same rule.
        .replaceAll('TESTDIR', 'test'),
    );
    const found = importsInto(root, ['demo', 'bench'], 'test');
    expect(found).toEqual([
      { file: 'demo/lib/a.ts', line: 1, specifier: '../../test/helpers/x.ts' },
      { file: 'demo/lib/a.ts', line: 2, specifier: '../../test/helpers/y.ts' },
      { file: 'demo/lib/a.ts', line: 3, specifier: '../../test/z.ts' },
      { file: 'demo/lib/a.ts', line: 4, specifier: '../../test/helpers/m.ts' },
      { file: 'demo/lib/a.ts', line: 5, specifier: '../../test/child.ts' },
      { file: 'demo/lib/a.ts', line: 8, specifier: '../../test/helpers/multi.ts' },
    ]);
  });
});
