// The one CSV writer behind every export (directory, availability reports, thesis table), so every
// export guards against formula injection, keeps phone numbers as text and has the same
// Excel-friendly variant. Why each rule: docs/api.md, "CSV for spreadsheets".

export type CsvCell = string | number | null | undefined;
export type CsvSeparator = ',' | ';' | '\t';

export interface CsvDialect {
  /** UTF-8 byte-order mark, CRLF line ends, digit-only text kept as text, decimal commas with `;`. */
  excel: boolean;
  separator: CsvSeparator;
}

/** RFC 4180 with LF line ends, no byte-order mark: what scripts and `csv` libraries read. */
export const PLAIN_CSV: CsvDialect = { excel: false, separator: ',' };

/**
 * Characters a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): = + - @, and
 * tab, CR and LF, which some spreadsheets strip before looking at the next character.
 */
const FORMULA_START = /^[=+\-@\t\r\n]/;

/** Text a spreadsheet would turn into a number: a long phone number becomes 8.73E+10, "007" becomes 7. */
const DIGITS_ONLY = /^\d+$/;

/** A text cell as a spreadsheet must see it: an apostrophe before what would start a formula. */
export function guardCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function cellText(cell: CsvCell, d: CsvDialect): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') {
    // A real number stays a number (never guarded: "-5" is a value, not a formula); no NaN or Infinity
    // reaches a spreadsheet as text that looks like a name.
    if (!Number.isFinite(cell)) return '';
    const s = String(cell);
    // Where `;` separates cells (ru-RU, kk-KZ), the spreadsheet reads "0.97" as text or a date: its decimal mark is a comma.
    return d.excel && d.separator === ';' ? s.replace('.', ',') : s;
  }
  const guarded = guardCell(cell);
  // Only in the Excel variant: digit-only text (a phone number written 87252339251, an id) stays text.
  // Plain CSV leaves it alone, as scripts read it. "+7…" is already guarded by the formula rule.
  return d.excel && DIGITS_ONLY.test(guarded) && guarded.length > 1 ? `'${guarded}` : guarded;
}

function quote(text: string, d: CsvDialect): string {
  return text.includes(d.separator) || /["\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole file: a header line, then one line per row. */
export function writeCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[], dialect: CsvDialect = PLAIN_CSV): string {
  const eol = dialect.excel ? '\r\n' : '\n';
  const line = (cells: readonly CsvCell[]) => cells.map((c) => quote(cellText(c, dialect), dialect)).join(dialect.separator) + eol;
  // Header names are ours (snake_case), guarded all the same: one rule for every cell.
  let out = dialect.excel ? '\uFEFF' : '';
  out += line(header);
  for (const r of rows) out += line(r);
  return out;
}

/** A CSV parameter that cannot be honoured; `param` is its name on the surface ("excel", "sep"). */
export class CsvOptionError extends Error {
  override name = 'CsvOptionError';
  readonly param: 'excel' | 'sep';
  constructor(param: 'excel' | 'sep', message: string) {
    super(message);
    this.param = param;
  }
}

const SEPARATORS: Record<string, CsvSeparator> = { ',': ',', comma: ',', ';': ';', semicolon: ';', tab: '\t', '\t': '\t' };

/** Languages whose spreadsheets (ru-RU, kk-KZ) expect `;` between cells and a decimal comma. */
const SEMICOLON_LANGUAGES = new Set(['ru', 'kk']);

/**
 * The dialect asked for: `excel` ("1", "true", "0", "false" or a boolean) and `sep` (`,` `;` `tab`
 * or their names) as a query string or the CLI gives them; without `sep` the Excel variant takes `;`
 * for ru and kk, `,` otherwise. Throws CsvOptionError naming the parameter.
 */
export function csvDialect(opts: { excel?: string | boolean | undefined; sep?: string | undefined; lang?: string | undefined }): CsvDialect {
  let excel = false;
  if (typeof opts.excel === 'boolean') excel = opts.excel;
  else if (opts.excel !== undefined) {
    const v = opts.excel.toLowerCase();
    if (v === '1' || v === 'true' || v === '') excel = true;
    else if (v === '0' || v === 'false') excel = false;
    else throw new CsvOptionError('excel', `must be 1 or true (the Excel-friendly variant), 0 or false, not "${opts.excel}"`);
  }
  let separator: CsvSeparator = excel && opts.lang !== undefined && SEMICOLON_LANGUAGES.has(opts.lang) ? ';' : ',';
  if (opts.sep !== undefined) {
    const s = SEPARATORS[opts.sep.toLowerCase()];
    if (s === undefined) throw new CsvOptionError('sep', `must be "," (comma), ";" (semicolon) or tab, not "${opts.sep}"`);
    separator = s;
  }
  return { excel, separator };
}
