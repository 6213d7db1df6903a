// The confirmation menu of a call, in one place: its keys, how speech maps onto them, its states and
// transitions (asked, asked again, recording, goodbye), and which stored answer counts. The webhook
// routes parse Twilio's request and hand it here; ivr.ts renders a state as TwiML; the classifier
// reads the stored gathers with `firstAnswer`.

import { CALL_WORDS, SPOKEN_CALL_LANGUAGE } from '../../i18n/calls.ts';
import type { GatherFacts } from './evidence.ts';

const SAY = CALL_WORDS[SPOKEN_CALL_LANGUAGE];

/** What each key means. Speech is mapped onto the same keys. */
export const MENU_KEYS = { confirmed: '1', wrongNumber: '2', closed: '3', moved: '4', optOut: '9' } as const;

/** "Call back later" has no key; it is only said. */
export const CALLBACK = 'callback';

// Speech is a secondary signal (Kazakh speech recognition is not offered by Twilio); keys come first.
const SPEECH: [RegExp, string][] = [
  [/не звоните|больше не звон|удалите номер|қоңырау шалмаңыз/i, MENU_KEYS.optOut],
  [/перезвон|позвоните позже|қайта қоңырау/i, CALLBACK],
  [/закры|не работа|ликвидир|жабыл|жұмыс істемейді/i, MENU_KEYS.closed],
  [/переех|другой адрес|новый номер|другому номеру|көшті/i, MENU_KEYS.moved],
  [/не туда|ошиб|другой номер|это не|частн|қате нөмір/i, MENU_KEYS.wrongNumber],
  // Not \b: JavaScript's word boundary only knows Latin letters, so it never matches after «да».
  [/^(да|верно|правильно|иә|ия)(?=$|[\s,.!?])|это центр|центр слушает/i, MENU_KEYS.confirmed],
];

export function speechToKey(speech: string): string | null {
  for (const [re, key] of SPEECH) if (re.test(speech.trim())) return key;
  return null;
}

const KNOWN_KEYS = new Set<string>(Object.values(MENU_KEYS));

/** The first answer that means something: a key outside the menu is skipped, as the menu is asked again. */
export function firstAnswer(gathers: GatherFacts[]): { key: string; via: string } | null {
  for (const g of gathers) {
    const digit = g.digits?.slice(0, 1);
    if (digit && KNOWN_KEYS.has(digit)) return { key: digit, via: `pressed ${digit}` };
    if (g.speech) {
      const key = speechToKey(g.speech);
      if (key) return { key, via: `said "${g.speech}"` };
    }
  }
  return null;
}

/** What to say after the menu, by key. */
export const AFTER_KEY: Record<string, string> = {
  '1': SAY.afterKey.confirmed,
  '2': SAY.afterKey.wrongNumber,
  '3': SAY.afterKey.closed,
  '9': SAY.afterKey.optOut,
};

/** A state of the menu: what the person hears next. */
export type MenuStep =
  /** The menu, asked for the `step`th time (the answer comes back with this step). */
  | { kind: 'menu'; step: number; repeat: boolean }
  /** Key 4: the person records the new address or number. */
  | { kind: 'record' }
  /** A last word and hang up; `optOut` when the person asked never to be called again. */
  | { kind: 'goodbye'; text: string; optOut?: { via: 'key_9' | 'speech' } };

/** Where every answered call starts. */
export const FIRST_STEP: MenuStep = { kind: 'menu', step: 1, repeat: false };

/** After the recording of a new address. */
export const AFTER_RECORDING: MenuStep = { kind: 'goodbye', text: SAY.recorded };

/** The step number of a gather callback, from the query string: 1 when missing or nonsense. */
export function parseStep(raw: string | undefined): number {
  return Math.max(1, Math.min(9, Number(raw) || 1));
}

/** What follows an answer (a key, speech, or nothing) to the menu asked for the `step`th time. */
export function afterGather(step: number, input: { digits?: string | undefined; speech?: string | undefined }): MenuStep {
  const key = input.digits ? input.digits.slice(0, 1) : input.speech ? speechToKey(input.speech) : null;
  if (key === MENU_KEYS.optOut) return { kind: 'goodbye', text: AFTER_KEY['9'] as string, optOut: { via: input.digits ? 'key_9' : 'speech' } };
  if (key === MENU_KEYS.moved) return { kind: 'record' };
  if (key && AFTER_KEY[key]) return { kind: 'goodbye', text: AFTER_KEY[key] as string };
  if (key === CALLBACK) return { kind: 'goodbye', text: SAY.callback };
  // Nothing (or an unknown key): ask once more, then let it go.
  if (step === 1) return { kind: 'menu', step: 2, repeat: true };
  return { kind: 'goodbye', text: SAY.goodbye };
}
