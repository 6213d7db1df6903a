// The checker behind "the dashboard and rules name only exposed metrics" must find names, or that
// test would pass on any file.

import { expect, test } from 'vitest';
import { promqlMetricNames } from './promql.ts';

test.each([
  ['reachwatch_center_status{status="dark"} == 1', ['reachwatch_center_status']],
  ['count by (region) (reachwatch_center_status{status="dark"} == 1) >= 3', ['reachwatch_center_status']],
  ['histogram_quantile(0.9, sum by (le, channel_type) (rate(reachwatch_probe_duration_seconds_bucket[5m])))', ['reachwatch_probe_duration_seconds_bucket']],
  ['rate(reachwatch_probes_stored_total[30m]) == 0 and reachwatch_self_check_degraded == 0', ['reachwatch_probes_stored_total', 'reachwatch_self_check_degraded']],
  ['sum(x{region=~"$region",status=~"a|b"}) / on(instance) group_left y offset 1h', ['x', 'y']],
  ['absent(reachwatch_build_info)', ['reachwatch_build_info']],
  ['max_over_time(a{s="f"}[1h]) - min_over_time(b[1h]) > 0', ['a', 'b']],
  ['probe_success', ['probe_success']],
])('%s reads %j', (expr, names) => {
  expect(promqlMetricNames(expr).sort()).toEqual([...names].sort());
});
