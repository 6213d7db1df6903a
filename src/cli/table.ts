// A plain-text table for terminals: padded columns, the last column left free to run long.

export function renderTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (i === header.length - 1 ? 0 : [...(r[i] ?? '')].length))));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.max(6, [...(header[i] ?? '')].length) : w)).join('  ');
  return `${[line(header), rule, ...rows.map(line)].join('\n')}\n`;
}
