// Numbers that arrive as text (every query and path parameter, and a string sent for a numeric body
// field) must be written as plain decimal numbers within double precision. Ajv's type coercion, on its
// own, reads them with JavaScript's Number(): "0x10" becomes 16, "Infinity", "1e309" and 400 nines
// become Infinity, and Infinity is then let through an integer schema without its minimum or maximum
// being checked (Ajv skips both for a non-finite number), to fail later in SQLite or the serializer as
// a 500. Checking the text before Ajv coerces it fixes every route at once, including routes added later.

export interface NumericParamError {
  /** JSON pointer to the parameter within its part of the request, as Ajv reports it: "/limit". */
  instancePath: string;
  message: string;
}

interface Schema {
  type?: string | string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  minimum?: number;
  maximum?: number;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function typesOf(s: Schema): string[] {
  const own = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  return [...own, ...[...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap(typesOf)];
}

/** 'integer' or 'number' when the schema takes a number and no string (a string alternative takes any text as it is). */
function numericKind(s: Schema): 'integer' | 'number' | null {
  const t = typesOf(s);
  if (t.includes('string')) return null;
  return t.includes('number') ? 'number' : t.includes('integer') ? 'integer' : null;
}

function checkText(raw: string, s: Schema, kind: 'integer' | 'number'): string | null {
  if (kind === 'integer') {
    const lo = s.minimum ?? Number.MIN_SAFE_INTEGER;
    const hi = s.maximum ?? Number.MAX_SAFE_INTEGER;
    const n = Number(raw);
    if (!INTEGER.test(raw) || !Number.isSafeInteger(n)) return `must be a whole number written in decimal digits, from ${lo} to ${hi}, not "${shown(raw)}"`;
    return null;
  }
  if (!DECIMAL.test(raw) || !Number.isFinite(Number(raw))) {
    const range = s.minimum !== undefined && s.maximum !== undefined ? `, from ${s.minimum} to ${s.maximum}` : '';
    return `must be a finite decimal number${range}, not "${shown(raw)}"`;
  }
  return null;
}

/** A long value is shown by its start and length: the message names the problem, not echoes a megabyte. */
const shown = (raw: string): string => (raw.length > 24 ? `${raw.slice(0, 12)}… (${raw.length} characters)` : raw);

/**
 * The first numeric parameter (at any depth of objects and arrays) whose value is text that is not a
 * plain decimal number within safe range; null when there is none. Values that are not text are left
 * to Ajv, which refuses non-finite numbers itself.
 */
export function numericParamError(schema: unknown, value: unknown, path = ''): NumericParamError | null {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as Schema;
  const kind = numericKind(s);
  if (kind) {
    // With coerceTypes 'array', a parameter given once arrives as text and one given twice as an array.
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      const message = checkText(v, s, kind);
      if (message) return { instancePath: path, message };
    }
    return null;
  }
  if (s.properties && value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const [key, sub] of Object.entries(s.properties)) {
      if (!Object.hasOwn(obj, key)) continue;
      const e = numericParamError(sub, obj[key], `${path}/${key}`);
      if (e) return e;
    }
  }
  if (s.items && Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const e = numericParamError(Array.isArray(s.items) ? s.items[i] : s.items, v, `${path}/${i}`);
      if (e) return e;
    }
  }
  return null;
}
