// docs/configuration.md, made from the sections' own reference tables and the list of environment
// variables, so the documentation says what the code does. A test compares the file with this output;
// to refresh it: node src/config/reference.ts > docs/configuration.md

import { SECTION_DOCS } from './config.ts';
import { ENVIRONMENT_VARIABLES } from './env.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigurationReference(): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from the config sections (src/**/config.ts) and src/config/env.ts by src/config/reference.ts; test/config/reference.test.ts fails when it is out of date. -->',
    '',
    'reachwatch reads one YAML file (`REACHWATCH_CONFIG`, default `config/reachwatch.yaml`) and the environment. Every key is optional; a key left out takes the default below. Durations are written like `500ms`, `10s`, `5m`, `4h` or `7d`. A wrong value stops the start with a sentence naming the file, line and key, and nothing is written. Secrets (Twilio, the SIP trunk, SMTP, Telegram, the legacy operator token) come from the environment only.',
    '',
    '## Sections',
    '',
  ];
  for (const doc of SECTION_DOCS) {
    out.push(`### \`${doc.section}\``, '', doc.about, '');
    out.push('| Key | Default | Environment | Meaning |', '| --- | --- | --- | --- |');
    for (const k of doc.keys) out.push(`| \`${k.key === '' ? doc.section : `${doc.section}.${k.key}`}\` | ${cell(k.default)} | ${k.env ? `\`${k.env}\`` : ''} | ${cell(k.meaning)} |`);
    out.push('');
  }
  out.push('## Environment variables', '', 'The environment is read in one place, src/config/env.ts. Where a variable and a key set the same thing, the variable wins unless its line says otherwise.', '');
  out.push('| Variable | Meaning |', '| --- | --- |');
  for (const v of ENVIRONMENT_VARIABLES) out.push(`| \`${v.name}\` | ${cell(v.meaning)} |`);
  out.push('');
  // Read by the start script before Node runs, so it cannot be in env.ts; documented here all the same.
  out.push(
    'One more is read before Node starts, by `bin/reachwatch-daemon` (`npm start` and the Docker image): `REACHWATCH_NODE_FLAGS`, the Node flags of the daemon (heap limits), default `--max-semi-space-size=2 --max-old-space-size=128`; set it empty for Node\'s own defaults (see [Docker](operating.md#docker)).',
    '',
  );
  out.push(
    '## Where each section lives',
    '',
    'Each section parses and checks itself beside the code it configures (src/api/config.ts for `http`, src/store/config.ts for `store` and `data_dir`, src/probers/website/config.ts, src/probers/phone/config.ts with the calling limits from src/calling/config.ts, src/probers/sip/config.ts for `sip`, src/scheduler/config.ts, src/status/config.ts, src/selfcheck/config.ts for `canaries`, src/board/config.ts, src/registry/config.ts, src/alerts/config.ts for `alerts`, `centers` and `maintenance`, src/config/general.ts for `log` and `default_timezone`); src/config/config.ts only composes them. A new key goes into its section\'s parser, DEFAULTS and reference table; a new environment variable into src/config/env.ts. Then regenerate this file.',
    '',
  );
  return out.join('\n');
}

if (import.meta.main) process.stdout.write(renderConfigurationReference());
