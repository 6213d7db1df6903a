// The operator hears of our overload at once, then at most once per interval with a count.

import { expect, it } from 'vitest';
import { OverloadReport } from '../../src/selfcheck/overload.ts';

it('tells of the first our_overload probe at once, then sums the rest per interval', () => {
  const report = new OverloadReport(60_000);
  expect(report.note(1_000)).toEqual({ probes: 1, since: 1_000 });
  expect(report.note(2_000)).toBeNull();
  expect(report.note(30_000)).toBeNull();
  expect(report.note(61_000)).toEqual({ probes: 3, since: 2_000 });
  expect(report.note(200_000)).toEqual({ probes: 1, since: 200_000 });
});
