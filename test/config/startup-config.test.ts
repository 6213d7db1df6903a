// Settings read at start-up: store.stall_after (the /readyz stall threshold) and LOG_LEVEL, each
// refused with a sentence that names it.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig, type Config } from '../../src/config/config.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);

function load(yaml: string, env: NodeJS.ProcessEnv = {}): { problems: string[]; config?: Config } {
  const file = path.join(t.dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    return { problems: [], config: loadConfig(env, file) };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems.map((p) => p.replace(file, 'FILE')) };
    throw err;
  }
}

test('store.stall_after: 5 s by default and in the shipped file; a duration longer than flush_interval', () => {
  expect(load('store: {}\n').config?.store.stallAfterMs).toBe(5000);
  expect(loadConfig({}, DEFAULT_CONFIG_FILE).store.stallAfterMs).toBe(5000);
  expect(load('store: {stall_after: 30s}\n').config?.store.stallAfterMs).toBe(30_000);
  // Left out, it is twice a long flush_interval: results waiting for their group commit are no stall.
  expect(load('store: {flush_interval: 10s}\n').config?.store.stallAfterMs).toBe(20_000);
  expect(load('store: {stall_after: soon}\n').problems).toEqual(['FILE:1 store.stall_after: must be a duration like "500ms", "10s" or "5m", not "soon".']);
  expect(load('store: {flush_interval: 2s, stall_after: 1s}\n').problems).toEqual([
    'FILE:1 store.stall_after: must be longer than store.flush_interval (2000 ms), not "1s".',
  ]);
});

test('LOG_LEVEL: a level pino knows, or a sentence naming LOG_LEVEL', () => {
  expect(load('{}\n', { LOG_LEVEL: 'debug' }).config?.log.level).toBe('debug');
  expect(load('{}\n', { LOG_LEVEL: 'loud' }).problems).toEqual(['LOG_LEVEL=loud is not a log level; use one of fatal, error, warn, info, debug, trace, silent.']);
});
