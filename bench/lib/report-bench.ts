// A quarter's availability report for many centers, timed: the rollups that `total` probes over 91
// days produce (written as the probe writer would: per channel and UTC hour, per center and local
// day) and the report built from them. The raw probes themselves are not written: the report never
// reads them beyond one index seek per channel for the first and last reachable time.

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { buildAvailabilityReport } from '../../src/reports/availability.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase } from '../../src/store/db.ts';
import { localDay } from '../../src/util/local-day.ts';

export async function quarterReport(dir: string, centers: number, total: number): Promise<{ medianS: number; maxS: number; channelHours: number }> {
  const registryFile = path.join(dir, 'report-centers.yaml');
  writeFileSync(
    registryFile,
    Array.from({ length: centers }, (_, i) => `- id: q${i}\n  name: Q${i}\n  kind: ${i % 4 ? 'rehabilitation_center' : 'hotline'}\n  tz_iana: Asia/Almaty\n  region_normalized: Region ${i % 17}\n  channels:\n    - {type: website, value: "https://q${i}.example.kz/"}\n    - {type: phone, value: "+7727${String(2000000 + i).padStart(7, '0')}"}\n`).join(''),
  );
  const db = openDatabase(path.join(dir, 'report-data'));
  syncRegistry(db, loadRegistry(registryFile).centers, registryFile, 'bench');
  const refs = db.prepare<[], { ref: number; center_id: string }>('SELECT ref, center_id FROM channels').all();
  const to = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const from = to - 91 * 86_400_000;
  const hours = (to - from) / 3_600_000;
  const perHour = total / refs.length / hours;
  const insHour = db.prepare('INSERT INTO channel_hours (channel_ref, hour, probes, reachable, down, impaired, inconclusive, errors) VALUES (?, ?, ?, ?, ?, 0, 0, ?)');
  const insDay = db.prepare(
    `INSERT INTO center_days (center_id, day, probes, reachable, down, impaired, inconclusive, errors) VALUES (?, ?, ?, ?, ?, 0, 0, ?)
     ON CONFLICT(center_id, day) DO UPDATE SET probes = probes + excluded.probes, reachable = reachable + excluded.reachable, down = down + excluded.down, errors = errors + excluded.errors`,
  );
  let written = 0;
  for (const { ref, center_id } of refs) {
    db.transaction(() => {
      for (let h = 0; h < hours; h++) {
        const hour = from / 3_600_000 + h;
        const n = Math.floor(perHour * (h + 1)) - Math.floor(perHour * h);
        if (n === 0) continue;
        const down = (ref + h) % 53 === 0 ? n : 0;
        const errors = (ref + h) % 211 === 0 ? 1 : 0;
        insHour.run(ref, hour, n, n - down - errors < 0 ? 0 : n - down - errors, down, errors);
        insDay.run(center_id, localDay('Asia/Almaty', hour * 3_600_000), n, Math.max(0, n - down - errors), down, errors);
        written += n;
      }
    })();
  }
  const channelHours = (db.prepare('SELECT COUNT(*) AS n FROM channel_hours').get() as { n: number }).n;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = buildAvailabilityReport(db, { from, to, granularity: 'month' }, { defaultTz: 'Asia/Almaty', callingHours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }, confirmations: 3, minSlots: 2, answerConfirmations: 1 });
    JSON.stringify(r);
    times.push((performance.now() - t0) / 1000);
  }
  db.close();
  times.sort((a, b) => a - b);
  void written;
  return { medianS: times[2] as number, maxS: times[4] as number, channelHours };
}
