// The text check behind every numeric parameter, on its own: the shapes the HTTP walk cannot reach
// (nested body fields, arrays, a parameter given twice).

import { expect, test } from 'vitest';
import { numericParamError } from '../../src/api/numeric-params.ts';

const Q = { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500 }, ratio: { type: 'number' }, name: { type: 'string' } } };

test('plain decimals pass; everything JavaScript would also read as a number does not', () => {
  expect(numericParamError(Q, { limit: '20', ratio: '-0.5e3', name: '0x10' })).toBeNull();
  expect(numericParamError(Q, { limit: '0x10' })).toEqual({ instancePath: '/limit', message: 'must be a whole number written in decimal digits, from 1 to 500, not "0x10"' });
  for (const v of ['Infinity', '1e309', ' 5', '+5', '5.0', '', '9007199254740993']) expect(numericParamError(Q, { limit: v })?.instancePath).toBe('/limit');
  for (const v of ['Infinity', 'NaN', '1e309', '.5', '0b1']) expect(numericParamError(Q, { ratio: v })?.instancePath).toBe('/ratio');
  // A parameter given twice arrives as an array: each value is checked.
  expect(numericParamError(Q, { limit: ['5', 'Infinity'] })?.instancePath).toBe('/limit');
});

test('nested and array body fields are named by their path; numbers that are not text are left to Ajv', () => {
  const B = { type: 'object', properties: { window: { type: 'object', properties: { hours: { anyOf: [{ type: 'integer' }, { type: 'null' }] } } }, ids: { type: 'array', items: { type: 'integer' } } } };
  expect(numericParamError(B, { window: { hours: '1e3' } })).toMatchObject({ instancePath: '/window/hours' });
  expect(numericParamError(B, { ids: [1, '2', '0x3'] })).toMatchObject({ instancePath: '/ids/2' });
  expect(numericParamError(B, { window: { hours: 12 }, ids: [1, 2] })).toBeNull();
  // A field that also takes any string keeps its text as it is.
  expect(numericParamError({ type: 'object', properties: { chat_id: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } }, { chat_id: '0x10' })).toBeNull();
  // A megabyte of digits is named, not echoed.
  expect(numericParamError(Q, { limit: '9'.repeat(1_000_000) })?.message).toContain('(1000000 characters)');
});
