import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../../src/util/yaml-source.ts';

const TEXT = `# comment
server:
  port: 8080
  hosts:
    - a.example
    - b.example
  empty:
list: [1, 2]
`;

describe('parseYamlSource', () => {
  it('gives the plain value', () => {
    const src = parseYamlSource(TEXT);
    expect(src.issues).toEqual([]);
    expect(src.value).toEqual({ server: { port: 8080, hosts: ['a.example', 'b.example'], empty: null }, list: [1, 2] });
  });

  it('locates values, keys and list items', () => {
    const src = parseYamlSource(TEXT);
    expect(src.lineOf(['server', 'port'])).toEqual({ line: 3, column: 9 });
    expect(src.keyLineOf(['server', 'port'])).toEqual({ line: 3, column: 3 });
    expect(src.lineOf(['server', 'hosts', 1])).toEqual({ line: 6, column: 7 });
    expect(src.lineOf(['list', 1])).toEqual({ line: 8, column: 11 });
    // An empty value has no text of its own: the key is the useful position.
    expect(src.lineOf(['server', 'empty'])).toEqual({ line: 7, column: 3 });
  });

  it('falls back to the nearest existing parent for missing paths', () => {
    const src = parseYamlSource(TEXT);
    expect(src.lineOf(['server', 'missing', 'deeper'])).toEqual({ line: 3, column: 3 });
    expect(src.lineOf(['server', 'hosts', 9])).toEqual(src.lineOf(['server', 'hosts']));
    expect(src.lineOf(['nope'])).toEqual({ line: 2, column: 1 });
    expect(src.lineOf([])).toEqual({ line: 2, column: 1 });
  });

  it('keeps the exact source text of scalars', () => {
    const src = parseYamlSource('phone: +77272619580\nzip: 0123\n');
    expect(src.value).toEqual({ phone: 77272619580, zip: 123 });
    expect(src.sourceText(['phone'])).toBe('+77272619580');
    expect(src.sourceText(['zip'])).toBe('0123');
    expect(src.sourceText(['nope'])).toBeUndefined();
  });

  it('reports duplicate keys with their path and first occurrence', () => {
    const src = parseYamlSource('a:\n  b: 1\n  c: 2\n  b: 3\n');
    expect(src.issues).toHaveLength(1);
    expect(src.issues[0]).toMatchObject({ severity: 'error', code: 'DUPLICATE_KEY', line: 4, column: 3, path: ['a', 'b'] });
    expect(src.issues[0]?.message).toContain('first at line 2');
  });

  it('reports syntax errors with a position', () => {
    const src = parseYamlSource('a: 1\nb: "open\nc: 2\n');
    expect(src.issues[0]).toMatchObject({ severity: 'error', code: 'MISSING_CHAR', line: 2, column: 4 });
    expect(src.issues[0]?.message).toContain('no closing quote');
  });

  it('reports tabs used for indentation', () => {
    const src = parseYamlSource('a:\n\tb: 1\n');
    expect(src.issues.some((i) => i.severity === 'error' && /tab/i.test(i.message))).toBe(true);
  });

  it('warns about flow mappings cut at a comma', () => {
    const src = parseYamlSource('- {ref: chapters 2, 5, 6.3, lines: "1-2"}\n');
    expect(src.issues).toHaveLength(1);
    expect(src.issues[0]).toMatchObject({ severity: 'warning', code: 'FLOW_ENTRY_WITHOUT_VALUE', line: 1, column: 21, path: [0, '5'] });
    expect(src.issues[0]?.message).toContain('"5", "6.3"');
    expect(src.issues[0]?.message).toContain('ref: chapters 2');
  });

  it('treats an empty document as null', () => {
    expect(parseYamlSource('# nothing\n').value).toBeNull();
    expect(parseYamlSource('').value).toBeNull();
  });
});
