// Issue 18, item 4: metrics under reachwatch's own names, per-center status, and a Grafana dashboard
// and Prometheus rules that use only what /metrics really exposes. The real daemon probes loopback
// sites (one center answers, one is down) and its /metrics is read after a few probes; the rules
// are checked and unit-tested with promtool (Debian's prometheus package, system-packages.txt).

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { freePort } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { promqlMetricNames } from './promql.ts';

const RULES = path.resolve('deploy/prometheus/reachwatch-rules.yml');
const RULE_TESTS = path.resolve('deploy/prometheus/reachwatch-rules.test.yml');
const DASHBOARD = path.resolve('deploy/grafana/reachwatch.json');
const CENTER_STATUSES = ['reachable', 'partial', 'dark', 'unknown', 'opted_out'];

function promtool(args: string[], input?: string) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000, ...(input !== undefined ? { input } : {}) });
  if (r.error) throw new Error(`promtool could not run (${r.error.message}): it comes with Debian's prometheus package, which scripts/system-packages.sh installs`);
  return r;
}

describe('the alerting rules', () => {
  test('promtool check rules accepts them', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  test('promtool test rules: dark centers, dark regions, our own failures and a stuck outbox fire as written, and only then', () => {
    const r = promtool(['test', 'rules', RULE_TESTS]);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 60_000);
});

// PromQL expressions of the shipped files: the rules' and every panel target's.
function ruleExprs(): string[] {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => r.expr));
}
interface Panel {
  targets?: { expr: string }[];
  panels?: Panel[];
}
function dashboardExprs(): string[] {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: { query?: { query?: string } }[] } };
  const walk = (ps: Panel[]): string[] => ps.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr), ...walk(p.panels ?? [])]);
  // label_values(metric, label) in a template variable names a metric too.
  const vars = d.templating.list.map((v) => /label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(v.query?.query ?? '')?.[1]).filter((m): m is string => !!m);
  return [...walk(d.panels), ...vars];
}

describe('/metrics of a running daemon', () => {
  let site: LoopbackSite;
  let daemon: Daemon;
  let cleanup: () => void;
  let text = '';

  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.remove;
    site = await startSite({ routes: { 'open.example.kz/*': page('<title>Open</title>'), 'gone.example.kz/*': page('Service Unavailable', { status: 503 }), 'canary.test/*': page('ok') } });
    writeFileSync(
      path.join(t.dir, 'centers.yaml'),
      `- id: open-center
  name: Open
  kind: rehabilitation_center
  region_normalized: Almaty
  channels:
    - {type: website, value: "${site.url('open.example.kz', '/')}"}
- id: gone-center
  name: Gone
  kind: hotline
  region_normalized: Aktobe Region
  channels:
    - {type: website, value: "${site.url('gone.example.kz', '/')}"}
`,
    );
    const config = buildConfig(
      {
        registry: { file: 'centers.yaml', watch: false },
        scheduler: { defaults: { website: '1s' }, jitter: '10ms' },
        website: { resolve: { 'open.example.kz': '127.0.0.1', 'gone.example.kz': '127.0.0.1', 'canary.test': '127.0.0.1' }, total_timeout: '5s' },
        status: { confirmations: 2 },
        canaries: { urls: [site.url('canary.test', '/')], max_age: '200ms' },
        store: { flush_interval: '20ms' },
        centers: { dark_after: 0, sweep_interval: '200ms' },
      },
      { PORT: String(await freePort()), HOST: '127.0.0.1', REACHWATCH_DATA_DIR: path.join(t.dir, 'data') },
      null,
      (k) => k.join('.'),
      t.dir,
    );
    daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
    // After a few probes: the down center confirmed dark and the open one reachable.
    text = await until(
      'both centers to have a status',
      async () => {
        const body = await (await fetch(`${daemon.url}/metrics`)).text();
        return /^reachwatch_center_status\{center="gone-center",region="Aktobe Region",status="dark"\} 1$/m.test(body) &&
          /^reachwatch_center_status\{center="open-center",region="Almaty",status="reachable"\} 1$/m.test(body) &&
          /^reachwatch_probe_duration_seconds_count\{/m.test(body)
          ? body
          : null;
      },
      60_000,
    );
  }, 90_000);

  afterAll(async () => {
    await daemon?.stop();
    await site?.close();
    cleanup?.();
  });

  const families = () => [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1] as string, type: m[2] as string }));
  // The names a query can read: every family declared (a counter nothing has counted yet, such as
  // deliveries before the first alert, has no sample line but exists), with a histogram's and a
  // summary's _bucket, _sum and _count.
  const exposedNames = () =>
    new Set(
      families().flatMap((f) =>
        f.type === 'histogram' ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : f.type === 'summary' ? [f.name, `${f.name}_sum`, `${f.name}_count`] : [f.name],
      ),
    );

  test('every series is reachwatch_… (or prom-client\'s process_ and nodejs_ defaults); blackbox_exporter\'s names are gone', () => {
    const ours = families().filter((f) => !/^(process|nodejs)_/.test(f.name));
    expect(ours.length).toBeGreaterThan(10);
    for (const f of ours) expect(f.name).toMatch(/^reachwatch_[a-z0-9_]+$/);
    expect(text).not.toMatch(/^probe_(success|duration_seconds)/m);
    // Prometheus conventions: counters end in _total; durations are in seconds.
    for (const f of ours.filter((x) => x.type === 'counter')) expect(f.name).toMatch(/_total$/);
    for (const f of ours.filter((x) => /duration|lag|age/.test(x.name))) expect(f.name).toMatch(/_seconds$/);
  });

  test('per-center status: one series per center and status, exactly one of them 1; labels bounded to center, region and status', () => {
    const lines = text.split('\n').filter((l) => l.startsWith('reachwatch_center_status{'));
    expect(lines).toHaveLength(2 * CENTER_STATUSES.length);
    for (const center of ['open-center', 'gone-center']) {
      const mine = lines.filter((l) => l.includes(`center="${center}"`));
      expect(mine.map((l) => /status="(\w+)"/.exec(l)?.[1]).sort()).toEqual([...CENTER_STATUSES].sort());
      expect(mine.filter((l) => l.endsWith(' 1'))).toHaveLength(1);
      for (const l of mine) expect(Object.keys(Object.fromEntries([...l.matchAll(/(\w+)="/g)].map((m) => [m[1], 1])))).toEqual(['center', 'region', 'status']);
    }
    // Nothing personal or unbounded: no URL, host, phone number or channel id in any label.
    expect(text).not.toMatch(/open\.example\.kz|127\.0\.0\.1|--web-/);
  });

  test('outbox depth and age, self-check state and the probe write queue are there', () => {
    for (const re of [
      /^reachwatch_outbox_alerts\{status="pending"\} \d+$/m,
      /^reachwatch_outbox_oldest_pending_age_seconds \d/m,
      /^reachwatch_self_check_degraded [01]$/m,
      /^reachwatch_self_check_failing\{check="canaries"\} [01]$/m,
      /^reachwatch_probe_write_queue \d+$/m,
      /^reachwatch_build_info\{version="\d+\.\d+\.\d+",node_version="24\.[\d.]+"\} 1$/m,
      /^reachwatch_channels_reachable_ratio\{channel_type="website",method="http"\} 0\.5$/m,
    ]) {
      expect(text).toMatch(re);
    }
  });

  test('promtool check metrics finds nothing to say about reachwatch_ series', () => {
    const r = promtool(['check', 'metrics'], text);
    const ours = (r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('reachwatch_'));
    expect(ours).toEqual([]);
  });

  test('the Grafana dashboard and the alerting rules name only metrics this daemon exposes', () => {
    const exposed = exposedNames();
    const used = new Set([...dashboardExprs(), ...ruleExprs()].flatMap((e) => promqlMetricNames(e)));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((m) => !exposed.has(m));
    expect(missing).toEqual([]);
    // And the other way round: the dashboard shows per-center status and the outbox.
    expect([...used]).toEqual(expect.arrayContaining(['reachwatch_center_status', 'reachwatch_outbox_alerts', 'reachwatch_outbox_oldest_pending_age_seconds', 'reachwatch_self_check_degraded', 'reachwatch_probe_write_queue']));
  });
});
