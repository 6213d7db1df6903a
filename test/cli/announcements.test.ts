// `reachwatch announcements` as an operator runs it: through the package's bin, on the database of
// the configured data folder, while the daemon runs on the same file (WAL). A label made here is at
// once what the daemon's API lists; `analyse` hears the label in a later recording and not in the
// Kazakh version; bad flags and files are named, and change nothing.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { audioFactory, SWITCHED_OFF_KK, SWITCHED_OFF_RU, type AudioFactory } from '../helpers/audio.ts';
import { runBin, writeConfig } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let env: Record<string, string>;
let daemon: Daemon;
let a: AudioFactory;
let cleanup: () => void;
let auditor: string;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  a = audioFactory(dir);
  await Promise.all([a.speak('off.wav', 'ru', SWITCHED_OFF_RU), a.speak('off-kk.wav', 'kk', SWITCHED_OFF_KK), a.sox(['-n', '-r', '8000', '-c', '1', '-b', '16', 'lead.wav', 'trim', '0', '1.21'])]);
  await a.sox(['lead.wav', 'off.wav', '-e', 'mu-law', 'next-call.wav', 'vol', '0.3']);
  writeFileSync(path.join(dir, 'centers.yaml'), '- id: alpha\n  name: Alpha\n  kind: hotline\n  channels:\n    - {type: phone, value: "114"}\n');
  const config = writeConfig(dir, 'registry: {file: centers.yaml, watch: false}\ncanaries: {urls: []}\nhttp: {host: 127.0.0.1, port: 0}\n');
  env = { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: path.join(dir, 'data') };
  daemon = await startDaemon(loadConfig(env), pino({ level: process.env.TEST_LOG ?? 'silent' }));
  auditor = daemon.app.tokens.create({ name: 'a.auditor', role: 'auditor', createdBy: 'test' }).secret;
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  cleanup?.();
});

const run = (args: string[]) => runBin(['announcements', ...args], env);
const listed = async () => {
  const res = await fetch(`${daemon.url}/api/v1/announcements?removed=true`, { headers: { authorization: `Bearer ${auditor}` } });
  return ((await res.json()) as { labels: { id: string; name: string; removedAt: string | null }[] }).labels;
};
const LABEL = ['--name', 'Kcell: switched off', '--carrier', 'Kcell', '--outcome', 'unavailable', '--reason', 'subscriber_switched_off'];

describe('reachwatch announcements', () => {
  let id: string;

  test('label a WAV file: the running daemon lists it at once', async () => {
    const r = await run(['label', a.path('off.wav'), ...LABEL]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    id = /Labelled (ann_[0-9a-f]{16}): "Kcell: switched off" → unavailable\/subscriber_switched_off/.exec(r.stdout)?.[1] as string;
    expect(id).toBeDefined();
    expect(await listed()).toEqual([expect.objectContaining({ id, name: 'Kcell: switched off', removedAt: null })]);
  }, 60_000);

  test('analyse hears the label in a later, quieter, µ-law recording, and not in the Kazakh version', async () => {
    const [next, kk] = await Promise.all([run(['analyse', a.path('next-call.wav')]), run(['analyse', a.path('off-kk.wav')])]);
    expect(next.status).toBe(0);
    expect(next.stdout).toMatch(new RegExp(`label: "Kcell: switched off" \\(${id}\\), similarity 0\\.\\d+, at 1\\.2\\d* s`));
    expect(next.stdout).toContain('verdict: unavailable/subscriber_switched_off');
    expect(next.stdout).toContain('special information tone: none');
    expect(kk.status).toBe(0);
    expect(kk.stdout).toContain('label: none of 1 labels matches');
    expect(kk.stdout).toContain('verdict: nothing in it is a network announcement reachwatch knows');
  }, 60_000);

  test('bad flags and files are named, exit 64 for misuse, 65 for a clip or probe that is not there, 66 for a missing file, 1 for a conflict, and store nothing', async () => {
    writeFileSync(a.path('text.wav'), 'not audio');
    const cases: [string[], number, RegExp][] = [
      [['label', a.path('off-kk.wav'), ...LABEL.slice(0, 4), '--outcome', 'reachable', '--reason', 'x_y'], 64, /--outcome must be one of no_answer, busy, unavailable/],
      [['label', a.path('off-kk.wav'), '--name', 'x', '--outcome', 'unavailable', '--reason', 'Bad Reason'], 64, /--reason must be 2 to 64 lower-case letters/],
      [['label', a.path('off-kk.wav'), '--outcome', 'unavailable'], 64, /give --name, --outcome and --reason/],
      [['label', ...LABEL], 64, /give either one WAV file or --probe <id>/],
      [['label', a.path('text.wav'), ...LABEL], 65, new RegExp(`${a.path('text.wav').replace(/[.]/g, '\\.')} is not a WAV file reachwatch can read: not a WAV file`)],
      [['label', a.path('missing.wav'), ...LABEL], 66, /cannot read .*missing\.wav \(ENOENT\)/],
      [['label', '--probe', '12', ...LABEL], 65, /--probe no probe 12\./],
      [['label', a.path('next-call.wav'), ...LABEL], 1, /is the announcement already labelled "Kcell: switched off"/],
      [['frobnicate'], 64, /unknown subcommand "frobnicate"/],
      [[], 64, /name a subcommand/],
    ];
    for (const [args, status, message] of cases) {
      const r = await run(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(status);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(await listed()).toHaveLength(1);
  }, 180_000);

  test('list, remove, and the history of who did what', async () => {
    const list = await run(['list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('unavailable/subscriber_switched_off');
    const removed = await run(['remove', id]);
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain(`Removed ${id} ("Kcell: switched off")`);
    const again = await run(['remove', id]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('was already removed');
    expect((await run(['list'])).stdout).toContain('No labels in force');
    expect((await run(['list', '--all'])).stdout).toMatch(/removed \d{4}-\d\d-\d\dT[\d:]+Z by cli \(/);
    expect((await listed())[0]?.removedAt).not.toBeNull();
    const history = await run(['history', id]);
    expect(history.status).toBe(0);
    expect(history.stdout.split('\n').filter((l) => l.includes(id)).map((l) => /\b(label|remove)\b/.exec(l)?.[1])).toEqual(['label', 'remove']);
  }, 120_000);
});
