// What a person who picks up a probe call hears. Twilio has no Kazakh text-to-speech, so the call speaks
// the Russian words and then plays a recording of the Kazakh menu (telephony.kazakh_prompt_audio); the
// Kazakh and English words are kept for whoever records or reviews the prompts. Keys are the primary
// signal (they work in any language), so every language offers the same keys.

import type { Language } from './languages.ts';

export interface CallWords {
  /** The menu, naming the center when the language is spoken by Twilio (the Kazakh recording cannot). */
  menu: (centerName: string) => string;
  /** The name used when the ledger has no center name for a call. */
  unnamedCenter: string;
  /** Said before the menu when it is asked the second time. */
  repeat: string;
  /** After key 4: the person is asked to say the new address. */
  recordAsk: string;
  /** If the recording ends by itself (no "#"). */
  recordEnd: string;
  /** After the recording was received. */
  recorded: string;
  /** After each answer key of the menu. */
  afterKey: { confirmed: string; wrongNumber: string; closed: string; optOut: string };
  /** After "call back later" (said, not pressed). */
  callback: string;
  /** When the menu got no answer twice. */
  goodbye: string;
  /** Words the speech recogniser should expect (Twilio `hints`). */
  speechHints: string;
}

const RU: CallWords = {
  menu: (centerName) =>
    `Здравствуйте. Это автоматическая проверка справочника центров помощи: запись о центре «${centerName}». ` +
    `Если это центр «${centerName}», нажмите 1 или скажите «да». Если это другой номер, нажмите 2. ` +
    'Если центр закрылся, нажмите 3. Если центр переехал, нажмите 4 и назовите новый адрес или номер. ' +
    'Чтобы вам больше не звонили, нажмите 9.',
  unnamedCenter: 'центр помощи',
  repeat: 'Повторяю.',
  recordAsk: 'Пожалуйста, после сигнала назовите новый адрес или номер центра и нажмите решётку.',
  recordEnd: 'Спасибо. До свидания.',
  recorded: 'Спасибо, мы обновим справочник. До свидания.',
  afterKey: {
    confirmed: 'Спасибо, запись подтверждена. До свидания.',
    wrongNumber: 'Спасибо, мы исправим справочник. Извините за беспокойство. До свидания.',
    closed: 'Спасибо, мы отметим, что центр закрыт. До свидания.',
    optOut: 'Хорошо, мы больше не будем звонить на этот номер. До свидания.',
  },
  callback: 'Спасибо, мы перезвоним позже. До свидания.',
  goodbye: 'Спасибо. До свидания.',
  speechHints: 'да, нет, закрыт, переехал, другой номер, не звоните, перезвоните',
};

const KK: CallWords = {
  // One recording serves every center, so the Kazakh menu does not name it.
  menu: () =>
    'Сәлеметсіз бе. Бұл көмек орталықтары анықтамалығының автоматты тексеруі. ' +
    'Егер бұл орталық болса, 1-ді басыңыз. Басқа нөмір болса, 2-ні. Орталық жабылса, 3-ті. ' +
    'Орталық көшсе, 4-ті басып, жаңа мекенжайын айтыңыз. Бізге енді қоңырау шалмауымызды қаласаңыз, 9-ды басыңыз.',
  unnamedCenter: 'көмек орталығы',
  repeat: 'Қайталаймын.',
  recordAsk: 'Дыбыстық белгіден кейін орталықтың жаңа мекенжайын немесе нөмірін айтып, тор белгісін басыңыз.',
  recordEnd: 'Рақмет. Сау болыңыз.',
  recorded: 'Рақмет, анықтамалықты жаңартамыз. Сау болыңыз.',
  afterKey: {
    confirmed: 'Рақмет, жазба расталды. Сау болыңыз.',
    wrongNumber: 'Рақмет, анықтамалықты түзетеміз. Мазалағанымыз үшін кешіріңіз. Сау болыңыз.',
    closed: 'Рақмет, орталықтың жабылғанын белгілейміз. Сау болыңыз.',
    optOut: 'Жақсы, бұл нөмірге енді қоңырау шалмаймыз. Сау болыңыз.',
  },
  callback: 'Рақмет, кейінірек қайта қоңырау шаламыз. Сау болыңыз.',
  goodbye: 'Рақмет. Сау болыңыз.',
  speechHints: 'иә, жоқ, жабық, көшті, басқа нөмір, қоңырау шалмаңыз, кейін қоңырау шалыңыз',
};

const EN: CallWords = {
  menu: (centerName) =>
    `Hello. This is an automated check of the directory of help centers: the listing of "${centerName}". ` +
    `If this is "${centerName}", press 1 or say "yes". If this is another number, press 2. ` +
    'If the center has closed, press 3. If the center has moved, press 4 and say its new address or number. ' +
    'If you do not want to be called again, press 9.',
  unnamedCenter: 'the help center',
  repeat: 'Once more.',
  recordAsk: 'After the tone, please say the new address or number of the center and press the hash key.',
  recordEnd: 'Thank you. Goodbye.',
  recorded: 'Thank you, we will update the directory. Goodbye.',
  afterKey: {
    confirmed: 'Thank you, the listing is confirmed. Goodbye.',
    wrongNumber: 'Thank you, we will correct the directory. Sorry to have bothered you. Goodbye.',
    closed: 'Thank you, we will note that the center has closed. Goodbye.',
    optOut: 'All right, we will not call this number again. Goodbye.',
  },
  callback: 'Thank you, we will call back later. Goodbye.',
  goodbye: 'Thank you. Goodbye.',
  speechHints: 'yes, no, closed, moved, wrong number, do not call, call back',
};

export const CALL_WORDS: Record<Language, CallWords> = { ru: RU, kk: KK, en: EN };

/** The language Twilio speaks on probe calls (it has Russian voices; Kazakh is a recording). */
export const SPOKEN_CALL_LANGUAGE = 'ru' satisfies Language;
