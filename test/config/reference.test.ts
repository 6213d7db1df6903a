// docs/configuration.md is made from the sections' reference tables, whose defaults are the sections'
// DEFAULTS: the file must be up to date, every section must be in it, and writing a documented default
// into a config file must change nothing.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS, loadConfig, SECTION_DOCS } from '../../src/config/config.ts';
import { ENVIRONMENT_VARIABLES } from '../../src/config/env.ts';
import { renderConfigurationReference } from '../../src/config/reference.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);
const DOC = path.join(import.meta.dirname, '..', '..', 'docs', 'configuration.md');

test('docs/configuration.md is what src/config/reference.ts makes (node src/config/reference.ts > docs/configuration.md)', () => {
  expect(readFileSync(DOC, 'utf8')).toBe(renderConfigurationReference());
});

test('every section of the defaults and every environment variable is documented', () => {
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  expect(SECTION_DOCS.map((d) => d.section).sort()).toEqual(Object.keys(DEFAULTS).map(snake).sort());
  const text = readFileSync(DOC, 'utf8');
  for (const v of ENVIRONMENT_VARIABLES) expect(text).toContain(`| \`${v.name}\` |`);
  for (const d of SECTION_DOCS) for (const k of d.keys) expect(k.meaning, `${d.section}.${k.key}`).not.toBe('');
});

// Defaults that are prose, not a value one could write (or that need other keys to mean anything).
const PROSE = new Set(['data_dir', 'agent.data_dir', 'registry.file', 'canaries.timeout', 'alerts.board_url', 'alerts.sms.from', 'telephony.kazakh_prompt_audio', 'telephony.byoc_trunk', 'sip.proxy', 'sip.domain', 'sip.name', 'sip.interface']);

test('a documented default written into the file gives the same configuration as leaving the key out', () => {
  const load = (yaml: string) => {
    const file = path.join(t.dir, `d-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return { ...loadConfig({}, file), file: null };
  };
  const base = load('{}\n');
  let checked = 0;
  for (const d of SECTION_DOCS) {
    for (const k of d.keys) {
      const name = k.key === '' ? d.section : `${d.section}.${k.key}`;
      if (PROSE.has(name) || name.startsWith('alerts.smtp.')) continue;
      const value: unknown = /^[\d.]+$/.test(k.default) || /^[[{]/.test(k.default) || ['true', 'false'].includes(k.default) ? parse(k.default) : k.default;
      const raw: Record<string, unknown> = {};
      let at = raw;
      const keys = name.split('.');
      keys.slice(0, -1).forEach((seg) => {
        at[seg] = {};
        at = at[seg] as Record<string, unknown>;
      });
      at[keys.at(-1) as string] = value;
      expect(load(JSON.stringify(raw)), `${name}: ${k.default}`).toEqual(base);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(50);
});
