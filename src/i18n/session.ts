// The board's sign-in words (sign-in form, the signed-in header, the clip players) in Russian, Kazakh
// and English. Kept apart from board.ts: only signed-in operators, auditors and admins see most of them.

import type { Language } from './languages.ts';

export interface SessionWords {
  signIn: string;
  signInTitle: string;
  signInIntro: string;
  token: string;
  tokenHelp: string;
  submit: string;
  signedInAs: (name: string, role: string) => string;
  signOut: string;
  roles: Record<'operator' | 'auditor' | 'admin', string>;
  wrongToken: string;
  tooMany: (minutes: number) => string;
  crossSite: string;
  missingToken: string;
  clips: string;
  clipsIntro: string;
  clipKind: (kind: string) => string;
  seconds: (s: number) => string;
}

const kind = (early: string, answered: string) => (k: string) => (k === 'early' || k === 'early_media' ? early : k === 'answered' || k === 'after_answer' ? answered : k);

export const SESSION_WORDS: Record<Language, SessionWords> = {
  ru: {
    signIn: 'Войти',
    signInTitle: 'Вход для операторов и аудиторов',
    signInIntro: 'Войдите с токеном API, чтобы слушать записи звонков на страницах центров. Записи никогда не публикуются.',
    token: 'Токен API',
    tokenHelp: 'Начинается с rw_; его выдаёт администратор командой reachwatch token create.',
    submit: 'Войти',
    signedInAs: (name, role) => `Вы вошли как ${name} (${role})`,
    signOut: 'Выйти',
    roles: { operator: 'оператор', auditor: 'аудитор', admin: 'администратор' },
    wrongToken: 'Токен неизвестен или отозван. Проверьте, что он скопирован целиком.',
    tooMany: (m) => `Слишком много неудачных попыток входа с вашего адреса. Повторите через ${m} мин.`,
    crossSite: 'Форма отправлена не с этого сайта (или без нужного поля). Откройте страницу заново и повторите.',
    missingToken: 'Введите токен API.',
    clips: 'Записи звонков',
    clipsIntro: 'Что услышал звонящий. Видно только вошедшим; никогда не публикуется.',
    clipKind: kind('до ответа (ранний звук)', 'после ответа'),
    seconds: (s) => `${s.toLocaleString('ru')} с`,
  },
  kk: {
    signIn: 'Кіру',
    signInTitle: 'Операторлар мен аудиторларға арналған кіру',
    signInIntro: 'Орталық беттерінде қоңырау жазбаларын тыңдау үшін API токенімен кіріңіз. Жазбалар ешқашан жарияланбайды.',
    token: 'API токені',
    tokenHelp: 'rw_ деп басталады; оны әкімші reachwatch token create пәрменімен береді.',
    submit: 'Кіру',
    signedInAs: (name, role) => `Сіз ${name} (${role}) ретінде кірдіңіз`,
    signOut: 'Шығу',
    roles: { operator: 'оператор', auditor: 'аудитор', admin: 'әкімші' },
    wrongToken: 'Токен белгісіз немесе кері қайтарылған. Оның толық көшірілгенін тексеріңіз.',
    tooMany: (m) => `Сіздің мекенжайыңыздан сәтсіз кіру әрекеттері тым көп. ${m} минуттан кейін қайталаңыз.`,
    crossSite: 'Пішін бұл сайттан жіберілмеген (немесе қажетті өріс жоқ). Бетті қайта ашып, қайталаңыз.',
    missingToken: 'API токенін енгізіңіз.',
    clips: 'Қоңырау жазбалары',
    clipsIntro: 'Қоңырау шалушы естігені. Тек кіргендерге көрінеді; ешқашан жарияланбайды.',
    clipKind: kind('жауапқа дейін (ерте дыбыс)', 'жауаптан кейін'),
    seconds: (s) => `${s.toLocaleString('kk')} с`,
  },
  en: {
    signIn: 'Sign in',
    signInTitle: 'Sign in for operators and auditors',
    signInIntro: "Sign in with an API token to play calls' recorded clips on the center pages. Clips are never public.",
    token: 'API token',
    tokenHelp: 'It starts with rw_; an admin creates one with reachwatch token create.',
    submit: 'Sign in',
    signedInAs: (name, role) => `Signed in as ${name} (${role})`,
    signOut: 'Sign out',
    roles: { operator: 'operator', auditor: 'auditor', admin: 'admin' },
    wrongToken: 'The token is unknown or has been revoked. Check that it was copied whole.',
    tooMany: (m) => `Too many failed sign-ins from your address. Try again in ${m} min.`,
    crossSite: 'The form was not sent from this site (or lacks a field it needs). Open the page again and retry.',
    missingToken: 'Enter an API token.',
    clips: 'Recorded clips',
    clipsIntro: 'What the caller heard. Shown only to those signed in; never public.',
    clipKind: kind('before answer (early media)', 'after answer'),
    seconds: (s) => `${s.toLocaleString('en')} s`,
  },
};
