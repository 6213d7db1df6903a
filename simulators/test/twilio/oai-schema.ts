// A small checker for the subset of OpenAPI 3.0 schemas twilio-oai uses in responses: $ref,
// object properties, type, nullable, enum, pattern, items and the date-time-rfc-2822 format.
// Stricter than the spec in one way on purpose: every declared property must be present, because
// the fake promises the full resource. Null is accepted where the schema says nullable or where
// the spec's own response examples put null (the Lookup examples do, without `nullable`).

import { readFileSync } from 'node:fs';

export interface JsonSchema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

interface OpenApiDocument {
  components: { schemas: Record<string, JsonSchema> };
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, ResponseContent> }> }>>;
}

interface ResponseContent {
  schema?: JsonSchema;
  examples?: Record<string, { value: unknown }>;
}

export interface LoadedSpec {
  doc: OpenApiDocument;
  schema(name: string): JsonSchema;
  /** Property names the operation's response examples set to null, at any depth. */
  nullInExamples(path: string, method: string, status: string): Set<string>;
}

export function loadSpec(file: string): LoadedSpec {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  return {
    doc,
    schema: (name) => {
      const schema = doc.components.schemas[name];
      if (schema === undefined) throw new Error(`no schema ${name}`);
      return schema;
    },
    nullInExamples: (path, method, status) => {
      const content = doc.paths[path]?.[method]?.responses?.[status]?.content?.['application/json'];
      const names = new Set<string>();
      const visit = (value: unknown): void => {
        if (value === null || typeof value !== 'object') return;
        for (const [key, v] of Object.entries(value)) {
          if (v === null) names.add(key);
          else visit(v);
        }
      };
      for (const example of Object.values(content?.examples ?? {})) visit(example.value);
      return names;
    },
  };
}

/** Problems found, as "path: message" strings; empty when `value` conforms. */
export function check(spec: LoadedSpec, schema: JsonSchema, value: unknown, nullable = new Set<string>(), at = '$'): string[] {
  const resolved = resolve(spec, schema);
  if (value === null) {
    const key = at.split('.').at(-1) ?? '';
    return resolved.nullable === true || nullable.has(key) ? [] : [`${at}: null but not nullable`];
  }
  const problems = checkType(resolved, value, at);
  if (problems.length > 0) return problems;
  if (resolved.enum !== undefined && !resolved.enum.includes(value)) problems.push(`${at}: ${String(value)} not in enum`);
  if (resolved.pattern !== undefined && !new RegExp(resolved.pattern).test(String(value))) {
    problems.push(`${at}: ${String(value)} does not match ${resolved.pattern}`);
  }
  if (resolved.format === 'date-time-rfc-2822' && !/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/.test(String(value))) {
    problems.push(`${at}: ${String(value)} is not RFC 2822`);
  }
  if (resolved.properties !== undefined && typeof value === 'object' && !Array.isArray(value)) {
    problems.push(...checkProperties(spec, resolved.properties, value as Record<string, unknown>, nullable, at));
  }
  if (resolved.items !== undefined && Array.isArray(value)) {
    value.forEach((item, i) => problems.push(...check(spec, resolved.items as JsonSchema, item, new Set(), `${at}[${i}]`)));
  }
  return problems;
}

function resolve(spec: LoadedSpec, schema: JsonSchema): JsonSchema {
  if (schema.$ref === undefined) return schema;
  const target = spec.schema(schema.$ref.replace('#/components/schemas/', ''));
  // A $ref with siblings (description, nullable) keeps the siblings' nullable.
  return { ...target, nullable: schema.nullable ?? target.nullable };
}

function checkType(schema: JsonSchema, value: unknown, at: string): string[] {
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (schema.type === undefined) return [];
  if (schema.type === 'number' && typeof value === 'number') return [];
  return actual === schema.type ? [] : [`${at}: expected ${schema.type}, got ${actual}`];
}

function checkProperties(
  spec: LoadedSpec,
  properties: Record<string, JsonSchema>,
  value: Record<string, unknown>,
  nullable: Set<string>,
  at: string,
): string[] {
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    if (!(name in value)) problems.push(`${at}.${name}: missing`);
    else problems.push(...check(spec, schema, value[name], nullable, `${at}.${name}`));
  }
  for (const name of Object.keys(value)) if (!(name in properties)) problems.push(`${at}.${name}: not in the schema`);
  return problems;
}
