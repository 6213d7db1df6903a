// The menu's states and transitions, from probers/phone/menu.ts (the routes only parse and hand over).
import { expect, test } from 'vitest';
import { AFTER_RECORDING, afterGather, FIRST_STEP, firstAnswer, parseStep } from '../../src/probers/phone/menu.ts';
import { twimlOf } from '../../src/probers/phone/ivr.ts';

test('each answer leads to its state: opt-out says goodbye and opts out, 4 records, nothing asks once more, then lets go', () => {
  expect(FIRST_STEP).toEqual({ kind: 'menu', step: 1, repeat: false });
  expect(afterGather(1, { digits: '9' })).toMatchObject({ kind: 'goodbye', optOut: { via: 'key_9' } });
  expect(afterGather(1, { speech: 'больше не звоните сюда' })).toMatchObject({ kind: 'goodbye', optOut: { via: 'speech' } });
  expect(afterGather(1, { digits: '4' })).toEqual({ kind: 'record' });
  expect(afterGather(2, { digits: '1' })).toMatchObject({ kind: 'goodbye', text: expect.stringContaining('подтверждена') });
  expect(afterGather(1, { speech: 'перезвоните позже' })).toMatchObject({ kind: 'goodbye', text: expect.stringContaining('перезвоним') });
  const first = afterGather(1, {});
  expect(first).toEqual({ kind: 'menu', step: 2, repeat: true });
  expect(afterGather(1, { digits: '7' })).toEqual({ kind: 'menu', step: 2, repeat: true });
  expect(afterGather(2, {})).toEqual({ kind: 'goodbye', text: 'Спасибо. До свидания.' });
  expect(AFTER_RECORDING.kind).toBe('goodbye');
  expect([parseStep(undefined), parseStep('x'), parseStep('2'), parseStep('99')]).toEqual([1, 1, 2, 9]);
});

test('the stored answer that counts is the first meaningful one; a key outside the menu is skipped', () => {
  expect(firstAnswer([{ step: 1, digits: '7' }, { step: 2, speech: 'да, это центр' }])).toEqual({ key: '1', via: 'said "да, это центр"' });
  expect(firstAnswer([{ step: 1, digits: '3' }])).toEqual({ key: '3', via: 'pressed 3' });
  expect(firstAnswer([{ step: 1, speech: 'ммм' }])).toBeNull();
});

test('a state renders as TwiML; the center name is read only for the menu', () => {
  let reads = 0;
  const call = { centerName: () => (reads++, 'Ansar'), gatherUrl: (n: number) => `https://h/g?step=${n}`, recordUrl: 'https://h/r' };
  const cfg = { kazakhAudioUrl: null, gatherTimeoutSec: 6, recordMaxSec: 30 };
  expect(twimlOf(cfg, { kind: 'menu', step: 2, repeat: true }, call)).toMatch(/step=2[\s\S]*Повторяю[\s\S]*«Ansar»/);
  expect(twimlOf(cfg, { kind: 'record' }, call)).toContain('action="https://h/r"');
  expect(twimlOf(cfg, AFTER_RECORDING, call)).toContain('<Hangup/>');
  expect(reads).toBe(1);
});
