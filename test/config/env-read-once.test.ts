// The environment is read in one file, src/config/env.ts, so every variable the daemon understands is
// named in one list (and in docs/configuration.md). A read anywhere else would be a setting that the
// configuration reference does not know about and a test cannot hand in.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ENVIRONMENT_VARIABLES, readEnv } from '../../src/config/env.ts';

const SRC = path.join(import.meta.dirname, '..', '..', 'src');

/** Reads allowed outside env.ts: the file, the line, and why. */
const ALLOWED = [
  {
    file: 'cli/token.ts',
    line: /process\.env\.USER\b/,
    why: 'USER names the person who creates a token from the CLI when the OS has no passwd entry; it is no daemon setting',
  },
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** process.env, process['env'], `{ env } = process` and the raw ProcessEnv type (a way around readEnv). */
const READS = /process\s*\.\s*env\b|process\s*\[\s*['"`]env['"`]\s*\]|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b|NodeJS\.ProcessEnv/;

test('process.env is read only in src/config/env.ts (and the allow-listed CLI line)', () => {
  const offenders: string[] = [];
  for (const file of sources(SRC)) {
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (!READS.test(line)) return;
      if (rel === 'config/env.ts' || ALLOWED.some((a) => a.file === rel && a.line.test(line))) return;
      offenders.push(`src/${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(offenders).toEqual([]);
});

test('every REACHWATCH_*, TWILIO_*, PORT, HOST and LOG_LEVEL in src/ is one env.ts knows', () => {
  const known = new Set<string>(ENVIRONMENT_VARIABLES.map((v) => v.name));
  const named = new Set<string>();
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\b(REACHWATCH_[A-Z_]+|TWILIO_[A-Z_]+)\b/g)) named.add(m[1] as string);
  }
  // Error codes and constants that merely start like a variable.
  for (const notVariable of ['REACHWATCH_HOP_DONE', 'REACHWATCH_PRIVATE_ADDRESS', 'TWILIO_DEFAULTS']) named.delete(notVariable);
  // Read by bin/reachwatch-daemon before Node starts; src/config/reference.ts only documents it.
  named.delete('REACHWATCH_NODE_FLAGS');
  expect([...named].filter((n) => !known.has(n)).sort()).toEqual([]);
  for (const v of ['PORT', 'HOST', 'LOG_LEVEL']) expect(known.has(v)).toBe(true);
});

test('readEnv takes every value from the source it is given, and nothing from process.env', () => {
  const source = Object.fromEntries(ENVIRONMENT_VARIABLES.map((v) => [v.name, `value of ${v.name}`]));
  const env = readEnv({ ...source, MY_HOOK_SECRET: 'whsec_x' });
  expect(env.twilio.accountSid).toBe('value of TWILIO_ACCOUNT_SID');
  expect(env.twilio.timeout).toBe('value of REACHWATCH_TWILIO_TIMEOUT');
  expect(env.port).toBe('value of PORT');
  expect(env.secret('MY_HOOK_SECRET')).toBe('whsec_x');
  const flat = JSON.stringify({ ...env, twilio: env.twilio });
  for (const v of ENVIRONMENT_VARIABLES) expect(flat, `${v.name} is read`).toContain(`value of ${v.name}`);
  expect(readEnv({}).dataDir).toBeUndefined();
});
