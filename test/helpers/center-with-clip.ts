// A center whose phone was probed through SIP and kept a clip (espeak-ng speaking a Russian
// announcement, kept as the prober keeps clips), in a test app's database and data folder; and a
// second probe whose evidence names a hash its clip file does not have (a clip changed after it was kept).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { keepClip, type ClipRef } from '../../src/audio/clips.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import type { TestApp } from './api-app.ts';
import { audioFactory, SWITCHED_OFF_RU } from './audio.ts';

/** Center `alpha` with its probes; `audioDir` is where the test audio is made. */
export async function centerWithClip(app: TestApp, audioDir: string): Promise<{ probeId: number; clip: ClipRef; alteredProbeId: number }> {
  const a = audioFactory(audioDir);
  await a.speak('off.wav', 'ru', SWITCHED_OFF_RU);
  const registry = path.join(audioDir, 'centers.yaml');
  writeFileSync(registry, '- id: alpha\n  name: Alpha\n  kind: hotline\n  channels:\n    - {type: phone, value: "+77012345678"}\n');
  const load = assertLoadable(loadRegistry(registry));
  syncRegistry(app.db, load, registry, 'sha');
  const kept = await keepClip(app.dir, a.bytes('off.wav'), { kind: 'early_media', maxSeconds: 30 });
  const writer = new ProbeWriter(app.db, { rules: { confirmations: 3 }, batchMaxRows: 10, flushIntervalMs: 10 });
  const channelId = load[0]?.channels[0]?.id as string;
  const stored = await writer.add({
    channelId, dueAt: Date.now() - 1000, startedAt: Date.now() - 1000, durationMs: 9000,
    evidence: { method: 'sip', v: 1, number: '+77012345678', clips: [kept] },
    classification: { outcome: 'unavailable', reason: 'special_information_tone', detail: 'x', flags: [] },
  });
  // A probe whose evidence names a hash its file does not have: the clip was changed after it was kept.
  const altered = await writer.add({
    channelId, dueAt: Date.now() - 2000, startedAt: Date.now() - 2000, durationMs: 9000,
    evidence: { method: 'sip', v: 1, number: '+77012345678', clips: [{ ...kept, sha256: '0'.repeat(64) }] },
    classification: { outcome: 'unavailable', reason: 'special_information_tone', detail: 'x', flags: [] },
  });
  writer.close();
  return { probeId: stored.probeId, clip: kept, alteredProbeId: altered.probeId };
}

