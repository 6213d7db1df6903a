// Labels and clips over real HTTP (the real app on a socket, a real SQLite file, real clips on disk):
// an operator labels a clip kept with a probe, or an uploaded WAV; the same announcement cannot be
// labelled twice; bad input is a 400 naming the parameter and stores nothing; clips are served only to
// operators and auditors, only while they hash as the evidence says, and say when they were pruned.

import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import { keepClip, type ClipRef } from '../../src/audio/clips.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { audioFactory, SWITCHED_OFF_KK, SWITCHED_OFF_RU, WRONG_NUMBER_RU, type AudioFactory } from '../helpers/audio.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let app: App;
let base: string;
let dataDir: string;
let a: AudioFactory;
let cleanup: () => void;
let probeId: number;
let sipProbeId: number;
let clips: ClipRef[];
const T = {} as Record<'operator' | 'auditor' | 'admin', string>;

beforeAll(async () => {
  const t = tempDir('reachwatch-ann-api-');
  cleanup = t.remove;
  dataDir = path.join(t.dir, 'data');
  a = audioFactory(t.dir);
  await Promise.all([a.speak('off.wav', 'ru', SWITCHED_OFF_RU), a.speak('off-kk.wav', 'kk', SWITCHED_OFF_KK), a.speak('wrong.wav', 'ru', WRONG_NUMBER_RU), a.sox(['-n', '-r', '8000', '-c', '1', '-b', '16', 'lead.wav', 'trim', '0', '0.8'])]);
  await a.sox(['lead.wav', 'off.wav', '-e', 'a-law', 'early.wav', 'vol', '0.5']);
  db = openDatabase(dataDir);
  const registry = path.join(t.dir, 'centers.yaml');
  writeFileSync(registry, '- id: alpha\n  name: Alpha\n  kind: hotline\n  channels:\n    - {type: phone, value: "+77012345678"}\n');
  const load = assertLoadable(loadRegistry(registry));
  syncRegistry(db, load, registry, 'sha');
  // A probe as the SIP prober stores it: its clips kept, their references in the evidence.
  clips = [
    await keepClip(dataDir, a.bytes('early.wav'), { kind: 'early_media', maxSeconds: 30 }),
    await keepClip(dataDir, a.bytes('off-kk.wav'), { kind: 'after_answer', maxSeconds: 30 }),
  ];
  const writer = new ProbeWriter(db, { rules: { confirmations: 3 }, batchMaxRows: 10, flushIntervalMs: 10 });
  const stored = await writer.add({
    channelId: load[0]?.channels[0]?.id as string, dueAt: Date.now(), startedAt: Date.now(), durationMs: 9000,
    evidence: { method: 'sip', v: 1, number: '+77012345678', clips },
    classification: { outcome: 'unavailable', reason: 'special_information_tone', detail: 'x', flags: [] },
  });
  probeId = stored.probeId;
  // The SIP prober's own shape: named clips under sip/<attempt>/, 16-bit PCM.
  const early = a.bytes('wrong.wav');
  mkdirSync(path.join(dataDir, 'sip', 'a1'), { recursive: true });
  writeFileSync(path.join(dataDir, 'sip', 'a1', 'early.wav'), early);
  const sip = await writer.add({
    channelId: load[0]?.channels[0]?.id as string, dueAt: Date.now(), startedAt: Date.now(), durationMs: 9000,
    evidence: { method: 'sip', v: 1, number: '+77012345678', clips: { early: { path: 'sip/a1/early.wav', sha256: createHash('sha256').update(early).digest('hex'), durationMs: 3000 }, answered: null } },
    classification: { outcome: 'unavailable', reason: 'not_in_service', detail: 'x', flags: [] },
  });
  sipProbeId = sip.probeId;
  const tokens = new Tokens(db);
  for (const role of ['operator', 'auditor', 'admin'] as const) T[role] = tokens.create({ name: `a.${role}`, role, createdBy: 'test' }).secret;
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }), audio: { dataDir }, http: { bodyLimit: 4_000_000 } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await app?.close();
  db?.close();
  cleanup?.();
});

const call = async (method: string, p: string, opts: { token?: string; body?: unknown } = {}) => {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const type = res.headers.get('content-type') ?? '';
  const body = type.startsWith('application/json') ? ((await res.json()) as Record<string, unknown>) : { bytes: Buffer.from(await res.arrayBuffer()) };
  return { status: res.status, headers: res.headers, body };
};
const labelCount = () => (db.prepare('SELECT count(*) AS n FROM announcement_labels').get() as { n: number }).n;
const LABEL = { name: 'Kcell: switched off', carrier: 'Kcell', outcome: 'unavailable', reason: 'subscriber_switched_off' };

describe('labelling', () => {
  let id: string;

  test('an operator labels a clip kept with a probe; auditors see it, with who and where from', async () => {
    const r = await call('POST', '/api/v1/announcements', { token: T.operator, body: { ...LABEL, probe: probeId, clip: 0 } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ ...LABEL, source: `probe ${probeId} clip 0`, createdBy: 'a.operator', removedAt: null });
    id = r.body.id as string;
    const list = await call('GET', '/api/v1/announcements', { token: T.auditor });
    expect(list.status).toBe(200);
    expect(list.body.labels).toEqual([expect.objectContaining({ id, name: LABEL.name })]);
  });

  test('the same announcement cannot be labelled twice, from the probe or uploaded', async () => {
    const again = await call('POST', '/api/v1/announcements', { token: T.operator, body: { ...LABEL, name: 'again', probe: probeId } });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(`already labelled "${LABEL.name}" (${id})`);
    const upload = await call('POST', '/api/v1/announcements', { token: T.operator, body: { ...LABEL, name: 'again', audio: Buffer.from(a.bytes('off.wav')).toString('base64') } });
    expect(upload.status).toBe(409);
    expect(upload.body.message).toMatch(/body parameter "audio" is the announcement already labelled/);
    expect(labelCount()).toBe(1);
  });

  test('an uploaded Kazakh clip is a different announcement, labelled on its own', async () => {
    const r = await call('POST', '/api/v1/announcements', {
      token: T.admin,
      body: { name: 'Kcell: switched off (kk)', outcome: 'unavailable', reason: 'subscriber_switched_off', audio: Buffer.from(a.bytes('off-kk.wav')).toString('base64') },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ source: 'uploaded', createdBy: 'a.admin', carrier: null });
  });

  test.each([
    [{ ...LABEL }, 400, 'give exactly one of "probe"'],
    [{ ...LABEL, probe: 1, audio: 'UklGRg==' }, 400, 'give exactly one of "probe"'],
    [{ ...LABEL, outcome: 'reachable', probe: 1 }, 400, 'body parameter "outcome"'],
    [{ ...LABEL, reason: 'Switched Off', probe: 1 }, 400, 'body parameter "reason"'],
    [{ ...LABEL, probe: 999_999 }, 400, 'body parameter "probe" no probe 999999.'],
    [{ ...LABEL, probe: -1 }, 400, 'body parameter "probe"'],
    [{ ...LABEL, get probe() { return probeId; }, clip: 5 }, 400, 'has clips 0 to 1, not clip 5'],
    [{ ...LABEL, audio: 'not base64!' }, 400, 'body parameter "audio" must be base64'],
    [{ ...LABEL, audio: Buffer.from('just text, not a wav').toString('base64') }, 400, 'body parameter "audio" is not a WAV file reachwatch can read: not a WAV file'],
    [{ ...LABEL, probe: 1, extra: true }, 400, 'body'],
  ])('%j is refused (%i) naming what is wrong, and nothing is stored', async (body, status, message) => {
    const before = labelCount();
    const r = await call('POST', '/api/v1/announcements', { token: T.operator, body: JSON.parse(JSON.stringify(body)) });
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.message).toContain(message);
    expect(r.body).not.toHaveProperty('stack');
    expect(labelCount()).toBe(before);
  });

  test('a clip the SIP prober kept by name (early) is labelled and served by that name', async () => {
    const r = await call('POST', '/api/v1/announcements', { token: T.operator, body: { name: 'Tele2: wrong number', outcome: 'unavailable', reason: 'number_dialled_wrong', probe: sipProbeId, clip: 'early' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.source).toBe(`probe ${sipProbeId} clip early`);
    const clip = await call('GET', `/api/v1/probes/${sipProbeId}/clips/early`, { token: T.auditor });
    expect(clip.status).toBe(200);
    expect((clip.body.bytes as Buffer).equals(Buffer.from(a.bytes('wrong.wav')))).toBe(true);
    const none = await call('GET', `/api/v1/probes/${sipProbeId}/clips/answered`, { token: T.auditor });
    expect(none.status).toBe(404);
    expect(none.body.message).toBe(`Probe ${sipProbeId} has clips early, not clip answered.`);
  });

  test('only operators (and admins) label and remove; auditors read; nobody without a token', async () => {
    expect((await call('POST', '/api/v1/announcements', { body: { ...LABEL, probe: probeId } })).status).toBe(401);
    const forbidden = await call('POST', '/api/v1/announcements', { token: T.auditor, body: { ...LABEL, probe: probeId } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain('needs the operator role');
    expect((await call('DELETE', `/api/v1/announcements/${id}`, { token: T.auditor })).status).toBe(403);
    const anonymous = await call('GET', '/api/v1/announcements');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.message).toContain('An operator or auditor token is required');
  });

  test('removing keeps the row and adds to the hash-linked history; removing again is a conflict', async () => {
    const r = await call('DELETE', `/api/v1/announcements/${id}`, { token: T.operator });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, removedBy: 'a.operator' });
    expect((await call('DELETE', `/api/v1/announcements/${id}`, { token: T.operator })).status).toBe(409);
    expect((await call('DELETE', '/api/v1/announcements/ann_0000000000000000', { token: T.operator })).status).toBe(404);
    expect(((await call('GET', '/api/v1/announcements', { token: T.auditor })).body.labels as unknown[]).length).toBe(2);
    expect(((await call('GET', '/api/v1/announcements?removed=true', { token: T.auditor })).body.labels as unknown[]).length).toBe(3);
    const h = await call('GET', `/api/v1/announcements/history?label=${id}`, { token: T.auditor });
    expect(h.body).toMatchObject({ intact: true, problem: null });
    expect((h.body.history as { action: string; actor: string }[]).map((x) => [x.action, x.actor])).toEqual([['label', 'a.operator'], ['remove', 'a.operator']]);
  });

  test('an edited history entry is reported', async () => {
    db.prepare("UPDATE announcement_label_history SET actor = 'someone else' WHERE id = 1").run();
    const h = await call('GET', '/api/v1/announcements/history', { token: T.operator });
    expect(h.body).toMatchObject({ intact: false, problem: expect.stringContaining('entry 1 does not hash to its stored hash') });
    db.prepare("UPDATE announcement_label_history SET actor = 'a.operator' WHERE id = 1").run();
    expect((await call('GET', '/api/v1/announcements/history', { token: T.operator })).body.intact).toBe(true);
  });
});

describe('a probe\'s clips', () => {
  test('operators and auditors get the WAV, with its hash; never without a token', async () => {
    for (const role of ['operator', 'auditor'] as const) {
      const r = await call('GET', `/api/v1/probes/${probeId}/clips/0`, { token: T[role] });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('audio/wav');
      expect(r.headers.get('cache-control')).toBe('private, no-store');
      expect(r.headers.get('x-content-sha256')).toBe(clips[0]?.sha256);
      expect((r.body.bytes as Buffer).subarray(0, 4).toString()).toBe('RIFF');
    }
    expect((await call('GET', `/api/v1/probes/${probeId}/clips/0`)).status).toBe(401);
  });

  test('unknown probes and clips are 404, bad numbers 400', async () => {
    expect((await call('GET', '/api/v1/probes/999999/clips/0', { token: T.auditor })).status).toBe(404);
    const r = await call('GET', `/api/v1/probes/${probeId}/clips/2`, { token: T.auditor });
    expect(r.status).toBe(404);
    expect(r.body.message).toBe(`Probe ${probeId} has clips 0 to 1, not clip 2.`);
    expect((await call('GET', `/api/v1/probes/${probeId}/clips/early`, { token: T.auditor })).status).toBe(404);
    expect((await call('GET', `/api/v1/probes/${probeId}/clips/X!`, { token: T.auditor })).status).toBe(400);
  });

  test('a changed clip is refused (409), a pruned one is gone (410)', async () => {
    const file = path.join(dataDir, clips[1]?.path as string);
    writeFileSync(file, Buffer.concat([a.bytes('off-kk.wav'), Buffer.from([0])]));
    const changed = await call('GET', `/api/v1/probes/${probeId}/clips/1`, { token: T.auditor });
    expect(changed.status).toBe(409);
    expect(changed.body.message).toContain('was changed after it was kept');
    rmSync(file);
    const gone = await call('GET', `/api/v1/probes/${probeId}/clips/1`, { token: T.auditor });
    expect(gone.status).toBe(410);
    expect(gone.body.message).toContain(clips[1]?.sha256);
  });

  test('the OpenAPI document lists the routes with their roles', async () => {
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, Record<string, { security?: unknown; description?: string }>> };
    for (const [p, m, role] of [
      ['/api/v1/announcements', 'get', 'operator, auditor or admin'],
      ['/api/v1/announcements', 'post', 'operator'],
      ['/api/v1/announcements/{id}', 'delete', 'operator'],
      ['/api/v1/announcements/history', 'get', 'operator, auditor or admin'],
      ['/api/v1/probes/{id}/clips/{n}', 'get', 'operator, auditor or admin'],
    ] as const) {
      expect(doc.paths[p]?.[m]?.security, `${m} ${p}`).toEqual([{ bearer: [] }]);
      expect(doc.paths[p]?.[m]?.description, `${m} ${p}`).toContain(`Role: ${role}`);
    }
  });
});
