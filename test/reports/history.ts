// A known history for the report tests, written the way the daemon writes it: probes through the real
// ProbeWriter (rollups in the same transaction), center statuses and incidents through the real
// CenterTracker, a maintenance window from the config. Every figure the tests expect is worked out
// by hand from the table below.
//
// All times are Asia/Almaty (UTC+5). 2026-03-02 is a Monday. Calling hours: Mon–Fri 09:00–18:00.
//
// alpha ("Alpha "Hope", Almaty", Almaty Region, Taldykorgan): website W and phone P.
//   W  Mon 03-02 10:00 reachable        P  Mon 03-02 11:00 reachable
//   W  Mon 03-02 22:00 reachable        P  Tue 03-03 11:00 no_answer
//   W  Tue 03-03 10:00 unavailable      P  Wed 03-04 11:00 no_answer
//   W  Tue 03-03 14:00 error (ours)     P  Thu 03-05 11:00 reachable
//   W  Tue 03-03 22:00 unavailable      P  Thu 03-12 11:00 wrong_number
//   W  Wed 03-04 10:00 reachable        P  Fri 03-13 11:00 wrong_number
//   (nothing on Thu 03-05 for W, nothing at all on Fri 03-06)
//   W  Sat 03-07 10:00 redirected
//   W  Sun 03-08 10:00 reachable
//   maintenance window for alpha: Mon 03-09 00:00 – Wed 03-11 00:00 (48 hours)
//   W  Mon 03-09 10:00 closed (in maintenance)
//   W  Tue 03-10 10:00 closed (in maintenance)
//   W  Wed 03-11 10:00 reachable
//   W  Thu 03-12 10:00 reachable
//   W  Sat 03-14 10:00 reachable
//
// beta ("<script>alert(1)</script> Beta", hotline, Akmola Region, no zone: the default Asia/Almaty):
//   B  Mon 03-02 10:00 reachable
//   B  Tue 03-03 01:00 reachable        (UTC: still Monday 03-02, 20:00)
//   B  Mon 03-09 00:30 inconclusive     (UTC: still Sunday 03-08, 19:30)
//   B  Mon 03-09 10:00 reachable
//   B  Tue 03-10 08:30 reachable        (the hour 08:00–09:00 does not overlap calling hours)
//   B  Tue 03-10 17:30 redirected       (the hour 17:00–18:00 does)
//
// gamma (only our own errors): G  Tue 03-03 10:00 error, Tue 03-03 12:00 error, Tue 03-10 10:00 error.
//
// Centers' statuses with status.confirmations 1 and centers.dark_after 0 give these incidents:
//   #1 alpha  opened Tue 03-03 10:00 (W down), dark at 11:00 (P down too), partial at Wed 03-04 10:00, closed Thu 03-05 11:00
//   #2 alpha  opened Sat 03-07 10:00 (W redirected), closed Sun 03-08 10:00
//   #3 alpha  opened Mon 03-09 10:00 (W closed) inside the maintenance window, closed Wed 03-11 10:00
//   #4 beta   opened Tue 03-10 17:30 (B redirected), still open
//   #5 alpha  opened Thu 03-12 11:00 (P wrong_number), still open

import path from 'node:path';
import pino from 'pino';
import { buildConfig, type Config } from '../../src/config/config.ts';
import { createAlerting, type Alerting } from '../../src/daemon/alerting.ts';
import type { Outcome, ProbeRecord } from '../../src/domain.ts';
import { reportSettingsFrom, type ReportSettings } from '../../src/reports/availability.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';

export const REGISTRY = `- id: alpha
  name: 'Alpha "Hope", Almaty'
  kind: rehabilitation_center
  city: Taldykorgan
  region_normalized: Almaty Region
  tz_iana: Asia/Almaty
  channels:
    - {type: website, value: "https://alpha.example.kz/"}
    - {type: phone, value: "+7 727 261 95 80"}
- id: beta
  name: "<script>alert(1)</script> Beta"
  kind: hotline
  region_normalized: Akmola Region
  channels:
    - {type: website, value: "https://beta.example.kz/"}
- id: gamma
  name: Gamma
  kind: rehabilitation_center
  region_normalized: Almaty Region
  channels:
    - {type: website, value: "https://gamma.example.kz/"}
`;

/** The config file's sections (also written as YAML for the CLI). */
export const CONFIG_YAML = `status: {confirmations: 1}
telephony: {min_slots: 1}
centers: {dark_after: 0}
default_timezone: Asia/Almaty
canaries: {urls: []}
maintenance:
  - {center: alpha, from: "2026-03-09T00:00+05:00", to: "2026-03-11T00:00+05:00", reason: "Moving <offices> & phones"}
`;

export const W = 'alpha--web-alpha-example-kz';
export const P = 'alpha--phone-77272619580';
export const B = 'beta--web-beta-example-kz';
export const G = 'gamma--web-gamma-example-kz';

/** Local Almaty wall time to epoch ms: at('03-02 10:00'). */
export const at = (mmdd_hhmm: string): number => Date.parse(`2026-${mmdd_hhmm.replace(' ', 'T')}:00+05:00`);
export const isoAt = (mmdd_hhmm: string): string => new Date(at(mmdd_hhmm)).toISOString();

const HISTORY: [string, string, Outcome][] = [
  ['03-02 10:00', W, 'reachable'],
  ['03-02 10:00', B, 'reachable'],
  ['03-02 11:00', P, 'reachable'],
  ['03-02 22:00', W, 'reachable'],
  ['03-03 01:00', B, 'reachable'],
  ['03-03 10:00', W, 'unavailable'],
  ['03-03 10:00', G, 'error'],
  ['03-03 11:00', P, 'no_answer'],
  ['03-03 12:00', G, 'error'],
  ['03-03 14:00', W, 'error'],
  ['03-03 22:00', W, 'unavailable'],
  ['03-04 10:00', W, 'reachable'],
  ['03-04 11:00', P, 'no_answer'],
  ['03-05 11:00', P, 'reachable'],
  ['03-07 10:00', W, 'redirected'],
  ['03-08 10:00', W, 'reachable'],
  ['03-09 00:30', B, 'inconclusive'],
  ['03-09 10:00', W, 'closed'],
  ['03-09 10:00', B, 'reachable'],
  ['03-10 08:30', B, 'reachable'],
  ['03-10 10:00', W, 'closed'],
  ['03-10 10:00', G, 'error'],
  ['03-10 17:30', B, 'redirected'],
  ['03-11 10:00', W, 'reachable'],
  ['03-12 10:00', W, 'reachable'],
  ['03-12 11:00', P, 'wrong_number'],
  ['03-13 11:00', P, 'wrong_number'],
  ['03-14 10:00', W, 'reachable'],
];

export interface History {
  db: DB;
  config: Config;
  settings: ReportSettings;
  /** Stops the tracker and writer; the database stays open. */
  stop(): Promise<void>;
}

export async function writeHistory(dataDir: string, baseDir: string): Promise<History> {
  const db = openDatabase(dataDir);
  let clock = at('03-01 00:00');
  syncRegistry(db, assertLoadable(parseRegistry(REGISTRY, 'centers.yaml')), 'centers.yaml', 'x', clock);
  const config = buildConfig(
    {
      status: { confirmations: 1 },
      telephony: { min_slots: 1 },
      centers: { dark_after: 0 },
      default_timezone: 'Asia/Almaty',
      maintenance: [{ center: 'alpha', from: '2026-03-09T00:00+05:00', to: '2026-03-11T00:00+05:00', reason: 'Moving <offices> & phones' }],
    },
    { REACHWATCH_DATA_DIR: dataDir },
    null,
    (k) => k.join('.'),
    baseDir,
  );
  const alerting: Alerting = await createAlerting(db, config, pino({ level: 'silent' }), null, () => clock);
  alerting.tracker.loadCenters();
  const writer = new ProbeWriter(db, {
    rules: { confirmations: 1 },
    defaultTz: config.defaultTimezone,
    batchMaxRows: 100,
    flushIntervalMs: 5,
    afterBatch: (s) => alerting.afterBatch(s),
    onCommitted: (s) => alerting.afterCommit(s),
  });
  for (const [when, channelId, outcome] of HISTORY) {
    clock = at(when);
    const method = channelId === P ? 'call' : 'http';
    const r: ProbeRecord = {
      channelId, jobId: null, dueAt: clock, startedAt: clock, durationMs: 1, evidence: { method, v: 1 },
      classification: { outcome, reason: outcome === 'error' ? 'prober_failed' : outcome, detail: `${outcome} at ${when}`, flags: [] },
    };
    const p = writer.add(r);
    writer.flush();
    await p;
    await alerting.tracker.settle();
  }
  return {
    db,
    config,
    settings: reportSettingsFrom(config),
    stop: async () => {
      writer.close();
      await alerting.stop();
    },
  };
}

export const dataDirOf = (dir: string): string => path.join(dir, 'data');
