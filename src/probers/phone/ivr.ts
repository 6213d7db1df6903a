// The answer-confirmation menu as TwiML (its states and transitions are in menu.ts). A person who picks up hears, in Russian and Kazakh, that this is an
// automated check of the directory listing for the center, and is asked for one key. Keys are the
// primary signal (they work in any language); Russian speech is accepted beside them. The words are in
// src/i18n/calls.ts.

import twilio from 'twilio';
import { CALL_WORDS, SPOKEN_CALL_LANGUAGE } from '../../i18n/calls.ts';
import type { MenuStep } from './menu.ts';

export interface IvrConfig {
  /** Recorded Kazakh prompt (Twilio has no Kazakh text-to-speech); played after the Russian one. */
  kazakhAudioUrl: string | null;
  /** Seconds to wait for a key after the prompt. */
  gatherTimeoutSec: number;
  /** Seconds a person may speak after pressing 4 (the center moved). */
  recordMaxSec: number;
}

const RU_VOICE = { language: 'ru-RU', voice: 'Polly.Tatyana' } as const;
const SAY = CALL_WORDS[SPOKEN_CALL_LANGUAGE];

/** Kazakh text of the prompt, for whoever records kazakhAudioUrl (docs/phones.md, "Setting up a real Twilio account"). */
export const KAZAKH_PROMPT = CALL_WORDS.kk.menu('');

export function russianPrompt(centerName: string): string {
  return SAY.menu(centerName);
}

/** The menu, asked at most twice; `actionUrl` receives the key (or nothing). */
export function menuTwiml(cfg: IvrConfig, centerName: string, actionUrl: string, repeat: boolean): string {
  const r = new twilio.twiml.VoiceResponse();
  const gather = r.gather({
    input: ['dtmf', 'speech'],
    numDigits: 1,
    timeout: cfg.gatherTimeoutSec,
    speechTimeout: 'auto',
    language: 'ru-RU',
    hints: SAY.speechHints,
    action: actionUrl,
    method: 'POST',
    actionOnEmptyResult: true,
  });
  if (repeat) gather.say(RU_VOICE, SAY.repeat);
  gather.say(RU_VOICE, russianPrompt(centerName));
  if (cfg.kazakhAudioUrl) gather.play(cfg.kazakhAudioUrl);
  return r.toString();
}

export function goodbyeTwiml(text: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(RU_VOICE, text);
  r.hangup();
  return r.toString();
}

export function recordTwiml(cfg: IvrConfig, actionUrl: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(RU_VOICE, SAY.recordAsk);
  r.record({ action: actionUrl, method: 'POST', maxLength: cfg.recordMaxSec, finishOnKey: '#', playBeep: true });
  r.say(RU_VOICE, SAY.recordEnd);
  r.hangup();
  return r.toString();
}

/** The TwiML of one state of the menu (menu.ts decides which); the center's name is read only for the menu itself. */
export function twimlOf(cfg: IvrConfig, step: MenuStep, call: { centerName: () => string | null; gatherUrl: (step: number) => string; recordUrl: string }): string {
  switch (step.kind) {
    case 'menu':
      return menuTwiml(cfg, call.centerName() ?? SAY.unnamedCenter, call.gatherUrl(step.step), step.repeat);
    case 'record':
      return recordTwiml(cfg, call.recordUrl);
    case 'goodbye':
      return goodbyeTwiml(step.text);
  }
}

