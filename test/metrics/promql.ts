// The metric names a PromQL expression reads, for checking shipped dashboards and rules against what
// /metrics exposes. Not a PromQL parser: it removes what cannot be a metric name (strings, label
// matchers, grouping label lists, durations, function names, keywords, numbers, $variables) and
// keeps the identifiers left. test/metrics/promql.test.ts pins it on the constructs the files use.

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has((name as string).toLowerCase())) continue;
    names.add(name as string);
  }
  return [...names];
}
