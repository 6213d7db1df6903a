// A tiny XML reader, just enough for TwiML: elements, attributes, text, the five named entities
// and numeric references, comments, CDATA, the XML declaration and a DOCTYPE line. No namespaces,
// no DTDs. Malformed input throws TwimlParseError, which the fake reports the way Twilio does
// (notification 12100 "Document parse failure") before hanging up.

export class TwimlParseError extends Error {
  override name = 'TwimlParseError';
}

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    const named = NAMED_ENTITIES[ref];
    if (named === undefined) throw new TwimlParseError(`unknown entity ${whole}`);
    return named;
  });
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const ATTR = /\s*([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** Parses one XML document and returns its root element. */
export function parseXml(source: string): XmlElement {
  const reader = { text: source, pos: 0 };
  skipProlog(reader);
  const root = readElement(reader);
  skipMisc(reader);
  if (reader.pos < reader.text.length) throw new TwimlParseError(`content after the root element at ${reader.pos}`);
  return root;
}

interface Reader {
  text: string;
  pos: number;
}

function skipProlog(r: Reader): void {
  r.text = r.text.replace(/^\uFEFF/, '');
  skipMisc(r);
  if (r.text.startsWith('<?xml', r.pos)) skipPast(r, '?>');
  skipMisc(r);
  if (r.text.startsWith('<!DOCTYPE', r.pos)) skipPast(r, '>');
  skipMisc(r);
}

/** Whitespace, comments and processing instructions between elements. */
function skipMisc(r: Reader): void {
  for (;;) {
    while (r.pos < r.text.length && /\s/.test(r.text.charAt(r.pos))) r.pos++;
    if (r.text.startsWith('<!--', r.pos)) skipPast(r, '-->');
    else if (r.text.startsWith('<?', r.pos)) skipPast(r, '?>');
    else return;
  }
}

function skipPast(r: Reader, marker: string): void {
  const end = r.text.indexOf(marker, r.pos);
  if (end < 0) throw new TwimlParseError(`unterminated construct, expected ${marker}`);
  r.pos = end + marker.length;
}

function readName(r: Reader): string {
  NAME.lastIndex = r.pos;
  const match = NAME.exec(r.text);
  if (match === null) throw new TwimlParseError(`expected a name at ${r.pos}`);
  r.pos = NAME.lastIndex;
  return match[0];
}

function readElement(r: Reader): XmlElement {
  if (r.text.charAt(r.pos) !== '<') throw new TwimlParseError(`expected an element at ${r.pos}`);
  r.pos++;
  const element: XmlElement = { name: readName(r), attrs: {}, children: [] };
  readAttributes(r, element);
  if (r.text.startsWith('/>', r.pos)) {
    r.pos += 2;
    return element;
  }
  if (r.text.charAt(r.pos) !== '>') throw new TwimlParseError(`malformed start tag <${element.name}>`);
  r.pos++;
  readContent(r, element);
  return element;
}

function readAttributes(r: Reader, element: XmlElement): void {
  for (;;) {
    ATTR.lastIndex = r.pos;
    const match = ATTR.exec(r.text);
    if (match === null) break;
    const [, name = '', doubleQuoted, singleQuoted] = match;
    element.attrs[name] = decodeEntities(doubleQuoted ?? singleQuoted ?? '');
    r.pos = ATTR.lastIndex;
  }
  while (/\s/.test(r.text.charAt(r.pos))) r.pos++;
}

function readContent(r: Reader, element: XmlElement): void {
  for (;;) {
    if (r.pos >= r.text.length) throw new TwimlParseError(`<${element.name}> is never closed`);
    if (r.text.startsWith('</', r.pos)) {
      r.pos += 2;
      const name = readName(r);
      while (/\s/.test(r.text.charAt(r.pos))) r.pos++;
      if (name !== element.name || r.text.charAt(r.pos) !== '>') {
        throw new TwimlParseError(`</${name}> does not close <${element.name}>`);
      }
      r.pos++;
      return;
    }
    if (r.text.startsWith('<!--', r.pos) || r.text.startsWith('<?', r.pos)) skipMisc(r);
    else if (r.text.startsWith('<![CDATA[', r.pos)) readCdata(r, element);
    else if (r.text.charAt(r.pos) === '<') element.children.push(readElement(r));
    else readText(r, element);
  }
}

function readCdata(r: Reader, element: XmlElement): void {
  const start = r.pos + '<![CDATA['.length;
  const end = r.text.indexOf(']]>', start);
  if (end < 0) throw new TwimlParseError('unterminated CDATA');
  element.children.push(r.text.slice(start, end));
  r.pos = end + 3;
}

function readText(r: Reader, element: XmlElement): void {
  const end = r.text.indexOf('<', r.pos);
  const stop = end < 0 ? r.text.length : end;
  element.children.push(decodeEntities(r.text.slice(r.pos, stop)));
  r.pos = stop;
}

// ---- TwiML ----------------------------------------------------------------------------------

export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== 'string');
}

export function textOf(element: XmlElement): string {
  return element.children
    .map((child) => (typeof child === 'string' ? child : textOf(child)))
    .join('')
    .trim();
}

/** Parses a TwiML document and returns the verbs under <Response>. */
export function parseTwiml(source: string): XmlElement[] {
  const root = parseXml(source);
  if (root.name !== 'Response') throw new TwimlParseError(`root element is <${root.name}>, not <Response>`);
  return childElements(root);
}

export function intAttr(element: XmlElement, name: string, fallback: number): number {
  const raw = element.attrs[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number.parseInt(raw, 10);
  return Number.isFinite(value) ? value : fallback;
}

export function boolAttr(element: XmlElement, name: string): boolean {
  return element.attrs[name]?.trim().toLowerCase() === 'true';
}
