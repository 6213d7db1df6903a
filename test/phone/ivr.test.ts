import { expect, test } from 'vitest';
import { goodbyeTwiml, KAZAKH_PROMPT, menuTwiml, recordTwiml } from '../../src/probers/phone/ivr.ts';

const cfg = { kazakhAudioUrl: 'https://example.org/prompt-kk.mp3', gatherTimeoutSec: 6, recordMaxSec: 30 };

test('the menu names the center, offers every key, accepts Russian speech and plays the Kazakh recording', () => {
  const xml = menuTwiml(cfg, 'Nurly Bilim', 'https://hooks.example.org/twilio/gather/abc?step=1', false);
  expect(xml).toMatch(/<Gather [^>]*input="dtmf speech"[^>]*numDigits="1"[^>]*language="ru-RU"[^>]*action="https:\/\/hooks\.example\.org\/twilio\/gather\/abc\?step=1"[^>]*actionOnEmptyResult="true"/);
  expect(xml).toContain('автоматическая проверка справочника');
  expect(xml).toContain('«Nurly Bilim»');
  for (const key of ['нажмите 1', 'нажмите 2', 'нажмите 3', 'нажмите 4', 'нажмите 9']) expect(xml).toContain(key);
  expect(xml).toContain('<Play>https://example.org/prompt-kk.mp3</Play>');
  // Both prompts are inside the Gather, so a key works while either is playing.
  expect(xml.indexOf('<Play>')).toBeLessThan(xml.indexOf('</Gather>'));
  expect(KAZAKH_PROMPT).toContain('9-ды басыңыз');
});

test('without a Kazakh recording only the Russian prompt plays; a repeat says so', () => {
  const xml = menuTwiml({ ...cfg, kazakhAudioUrl: null }, 'Ansar', 'https://h/x', true);
  expect(xml).not.toContain('<Play>');
  expect(xml).toContain('Повторяю.');
});

test('key 4 records the new address; goodbyes hang up', () => {
  expect(recordTwiml(cfg, 'https://h/twilio/record/abc')).toMatch(/<Record [^>]*action="https:\/\/h\/twilio\/record\/abc"[^>]*maxLength="30"/);
  expect(goodbyeTwiml('До свидания.')).toMatch(/<Say[^>]*>До свидания\.<\/Say><Hangup\/><\/Response>$/);
});
