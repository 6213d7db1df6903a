// YAML text -> plain value, plus the positions needed to point a person at the offending line.
//
// Both the center registry and the daemon's config file are hand-edited YAML, so every message about
// them must say *where* the problem is. `yaml.parse()` throws the positions away; this module keeps the
// parsed Document and a LineCounter so any node path can be turned back into a line and column.
// It knows nothing about what the YAML means: schema checks belong to the callers.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, ParsedNode, YAMLError } from 'yaml';

export type PathSegment = string | number;
export type NodePath = readonly PathSegment[];

/** 1-based line and column, as editors show them. */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface YamlIssue extends SourcePosition {
  severity: 'error' | 'warning';
  /** yaml's error code (`MISSING_CHAR`, `BAD_INDENT`, `DUPLICATE_KEY`, ...). */
  code: string;
  /** A full sentence that says what is wrong and what to do. */
  message: string;
  /**
   * Node path of the offending entry when it is known (duplicate keys, split flow entries). For these
   * the document is still meaningful, so callers can name the field and keep validating.
   */
  path?: PathSegment[];
}

export interface YamlSource {
  /** The document as plain JS (maps become objects). `null` for an empty document. */
  value: unknown;
  /** Syntax errors, duplicate keys and yaml warnings, in source order. */
  issues: YamlIssue[];
  /**
   * Position of the value at `path`. When the path does not exist (or its value is empty), falls back
   * to the key, then to the nearest existing parent, so a message always has a usable position.
   */
  lineOf(path: NodePath): SourcePosition;
  /** Position of the *key* of the last path segment (for "unknown key" style messages). */
  keyLineOf(path: NodePath): SourcePosition;
  /** The exact source text of the scalar at `path` (e.g. `+7123` where the value reads 7123). */
  sourceText(path: NodePath): string | undefined;
}

const START: SourcePosition = { line: 1, column: 1 };

/** Parses YAML text. Never throws for bad input: problems come back in `issues`. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  // prettyErrors would append a source excerpt to every message; we build our own sentences instead.
  // uniqueKeys stays on (the default): a repeated key silently losing one value is exactly the kind of
  // slip a hand-edited file needs to be told about.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });

  const pos = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    // linePos reports line 0 before the first newline has been registered (one-line files).
    return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col };
  };

  const duplicates = findDuplicateKeys(doc.contents, [], pos);
  const issues: YamlIssue[] = [];
  // One broken line often makes the parser report several follow-on errors on that same line;
  // the first one is the useful one.
  const linesWithSyntaxError = new Set<number>();
  for (const err of doc.errors) {
    if (err.code === 'DUPLICATE_KEY') {
      const mine = duplicates.find((d) => d.offset === err.pos[0]);
      if (mine) continue; // reported below with the key name and first occurrence
    }
    const issue = describeError(err, 'error', text, doc, pos);
    if (linesWithSyntaxError.has(issue.line)) continue;
    linesWithSyntaxError.add(issue.line);
    issues.push(issue);
  }
  for (const warn of doc.warnings) issues.push(describeError(warn, 'warning', text, doc, pos));
  for (const d of duplicates) issues.push(d.issue);
  issues.push(...findSplitFlowEntries(doc.contents, [], pos));

  let value: unknown = null;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // toJS throws only for alias bombs (excessive alias expansion) or broken aliases.
    issues.push({
      severity: 'error',
      code: 'RESOURCE_EXHAUSTION',
      message: `The YAML could not be turned into data: ${errorText(err)}. Remove or simplify the anchors (&name) and aliases (*name).`,
      ...START,
    });
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);

  const nodeAt = (path: NodePath): { node: Node | null; keyNode: Node | null; depth: number } => {
    let node: Node | null = doc.contents ?? null;
    let keyNode: Node | null = null;
    let depth = 0;
    for (const seg of path) {
      if (node === null) break;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyString(p.key) === String(seg));
        if (!pair) break;
        keyNode = isNodeLike(pair.key) ? pair.key : null;
        node = isNodeLike(pair.value) ? pair.value : null;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (!isNodeLike(item)) break;
        keyNode = null;
        node = item;
      } else {
        break;
      }
      depth++;
    }
    return { node, keyNode, depth };
  };

  const rangeStart = (n: Node | null): number | undefined => n?.range?.[0];

  const lineOf = (path: NodePath): SourcePosition => {
    const found = nodeAt(path);
    if (found.depth === path.length) {
      // An empty value (`key:`) has a zero-width range after the colon; the key is a better target.
      const valueHasText = found.node !== null && isScalar(found.node) ? found.node.value !== null : found.node !== null;
      const off = valueHasText ? rangeStart(found.node) : (rangeStart(found.keyNode) ?? rangeStart(found.node));
      if (off !== undefined) return pos(off);
    }
    if (found.depth < path.length && found.depth > 0) return lineOf(path.slice(0, found.depth));
    const off = rangeStart(found.keyNode) ?? rangeStart(found.node);
    return off === undefined ? START : pos(off);
  };

  const keyLineOf = (path: NodePath): SourcePosition => {
    const found = nodeAt(path);
    if (found.depth === path.length) {
      const off = rangeStart(found.keyNode);
      if (off !== undefined) return pos(off);
    }
    return lineOf(path);
  };

  const sourceText = (path: NodePath): string | undefined => {
    const found = nodeAt(path);
    if (found.depth !== path.length || found.node === null) return undefined;
    if (isScalar(found.node) && typeof found.node.source === 'string') return found.node.source;
    const r = found.node.range;
    return r ? text.slice(r[0], r[1]) : undefined;
  };

  return { value, issues, lineOf, keyLineOf, sourceText };
}

// ---------------------------------------------------------------------------------------------

function isNodeLike(x: unknown): x is Node {
  return isScalar(x) || isMap(x) || isSeq(x) || isAlias(x);
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}

function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/[.\s]+$/, '');
}

interface Duplicate {
  offset: number;
  issue: YamlIssue;
}

/** Walks every mapping and reports keys that occur more than once, with the first occurrence. */
function findDuplicateKeys(
  node: unknown,
  path: PathSegment[],
  pos: (offset: number) => SourcePosition,
): Duplicate[] {
  const out: Duplicate[] = [];
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = keyString(pair.key);
      const off = isNodeLike(pair.key) ? pair.key.range?.[0] : undefined;
      if (key !== undefined && off !== undefined) {
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, off);
        } else {
          const p = pos(off);
          out.push({
            offset: off,
            issue: {
              severity: 'error',
              code: 'DUPLICATE_KEY',
              message:
                `The key "${key}" appears more than once in the same mapping (first at line ${pos(first).line}); ` +
                `only one value can be kept, so delete or rename one of them.`,
              path: [...path, key],
              ...p,
            },
          });
        }
      }
      if (key !== undefined) out.push(...findDuplicateKeys(pair.value, [...path, key], pos));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => out.push(...findDuplicateKeys(item, [...path, i], pos)));
  }
  return out;
}

/**
 * In a flow mapping (`{a: 1, b: 2}`) a comma ends the entry, so `{ref: chapters 2, 5, 6.3}` silently
 * becomes `ref: "chapters 2"` plus keys "5" and "6.3" without values. YAML accepts this, which is why it
 * is a warning: a key that has no ":" at all inside a flow mapping is almost always such a cut.
 */
function findSplitFlowEntries(
  node: unknown,
  path: PathSegment[],
  pos: (offset: number) => SourcePosition,
): YamlIssue[] {
  const out: YamlIssue[] = [];
  if (isMap(node)) {
    let previous: { key: string; value: unknown } | undefined;
    // Consecutive value-less keys come from one cut value ("2, 5, 6.3"), so they make one warning.
    let run: { keys: string[]; offset: number; before: typeof previous } | undefined;
    const flush = (): void => {
      if (!run) return;
      const before =
        run.before !== undefined && isScalar(run.before.value)
          ? ` The entry before it ("${run.before.key}: ${String(run.before.value.value)}") was probably cut at a comma.`
          : '';
      const names = run.keys.map((k) => `"${k}"`).join(', ');
      out.push({
        severity: 'warning',
        code: 'FLOW_ENTRY_WITHOUT_VALUE',
        message:
          `${names} ${run.keys.length === 1 ? 'is' : 'are'} read as ${run.keys.length === 1 ? 'a key' : 'keys'} without a value: ` +
          `inside {...} a comma ends an entry, so an unquoted value containing ", " is split.${before} Put that value in quotes.`,
        path: [...path, run.keys[0] ?? ''],
        ...pos(run.offset),
      });
      run = undefined;
    };
    for (const pair of node.items) {
      const key = keyString(pair.key);
      if (key === undefined) continue;
      // pair.value === null means no value node at all (no ":"); `key:` gives a null Scalar instead.
      const start = isNodeLike(pair.key) ? pair.key.range?.[0] : undefined;
      if (node.flow === true && pair.value === null && start !== undefined) {
        if (run) run.keys.push(key);
        else run = { keys: [key], offset: start, before: previous };
      } else {
        flush();
        previous = { key, value: pair.value };
      }
      out.push(...findSplitFlowEntries(pair.value, [...path, key], pos));
    }
    flush();
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => out.push(...findSplitFlowEntries(item, [...path, i], pos)));
  }
  return out;
}

/** Turns one of yaml's terse parser messages into a sentence a data maintainer can act on. */
function describeError(
  err: YAMLError,
  severity: 'error' | 'warning',
  text: string,
  doc: Document.Parsed<ParsedNode>,
  pos: (offset: number) => SourcePosition,
): YamlIssue {
  const at = pos(err.pos[0]);
  const raw = errorText(err);
  let message: string;
  let where = at;

  if (err.code === 'MISSING_CHAR' && /quote/i.test(raw)) {
    // yaml reports an unclosed quote at the end of the file, far from the cause. Point at the quote
    // that was opened instead: it is the quoted scalar that runs up to the error position.
    const opener = findUnclosedQuote(doc.contents, err.pos[0]);
    if (opener !== undefined) where = pos(opener);
    const reach = err.pos[0] >= text.trimEnd().length ? 'the end of the file' : `line ${at.line}`;
    message = `A quoted text that starts here has no closing quote, so everything after it up to ${reach} was read as part of it. Add the missing quote.`;
  } else if (err.code === 'MISSING_CHAR' && /without - indicator/.test(raw)) {
    message = `This line is indented less than the entry it belongs to. Indent it like the lines above it, or start a new list item with "- ".`;
  } else if (err.code === 'BLOCK_AS_IMPLICIT_KEY' || err.code === 'MULTILINE_IMPLICIT_KEY') {
    message =
      `This value is read as the start of a nested mapping (${raw}). Usually a line is indented too far, ` +
      `or a value contains ": " and needs quotes.`;
  } else if (err.code === 'TAB_AS_INDENT' || (/\t/.test(lineText(text, at.line)) && err.code === 'UNEXPECTED_TOKEN')) {
    message = `YAML does not allow tab characters for indentation (${raw}). Indent with spaces.`;
  } else if (err.code === 'MULTIPLE_DOCS') {
    message = `The file contains more than one YAML document (a "---" line after content). Keep a single document.`;
  } else if (err.code === 'DUPLICATE_KEY') {
    message = `A key appears more than once in the same mapping. Delete or rename one of them.`;
  } else if (severity === 'warning') {
    message = `YAML warning: ${raw}.`;
  } else {
    message = `The YAML syntax is invalid here: ${raw}. Fix the syntax; nothing in the file is used until it parses.`;
  }
  return { severity, code: err.code, message, ...where };
}

function lineText(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}

/** Start offset of the quoted scalar whose (unterminated) range reaches `errorOffset`. */
function findUnclosedQuote(node: unknown, errorOffset: number): number | undefined {
  if (isScalar(node)) {
    const r = node.range;
    if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && r && r[1] >= errorOffset) return r[0];
    return undefined;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = findUnclosedQuote(pair.key, errorOffset);
      if (k !== undefined) return k;
      const v = findUnclosedQuote(pair.value, errorOffset);
      if (v !== undefined) return v;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const v = findUnclosedQuote(item, errorOffset);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}
