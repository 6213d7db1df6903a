// Kazakh attaches the possessive "-ы/-і/-сы/-сі" to a numeral by how the numeral is spoken: its last
// word decides (a vowel or a consonant, a back or a front vowel). "45 орталықтың 12-сі" (екі) but
// "45 орталықтың 13-і" (үш) and "30 беттің 10-ы" (он). A fixed "-і" is wrong for most numbers.

const UNITS = ['', 'і', 'сі', 'і', 'і', 'і', 'сы', 'сі', 'і', 'ы']; // бір екі үш төрт бес алты жеті сегіз тоғыз
const TENS = ['', 'ы', 'сы', 'ы', 'ы', 'і', 'ы', 'і', 'і', 'ы']; // он жиырма отыз қырық елу алпыс жетпіс сексен тоқсан

/** "12-сі": the numeral with the third-person possessive ("the 12 of them"). Whole numbers ≥ 0. */
export function kkPossessive(n: number): string {
  return `${n}-${kkPossessiveSuffix(n)}`;
}

function kkPossessiveSuffix(n: number): string {
  if (!Number.isInteger(n) || n < 0) return 'і';
  if (n === 0) return 'і'; // нөл
  const unit = n % 10;
  if (unit) return UNITS[unit] as string;
  const ten = Math.floor(n / 10) % 10;
  if (ten) return TENS[ten] as string;
  if (Math.floor(n / 100) % 10) return 'і'; // жүз
  if (Math.floor(n / 1000) % 1000) return 'ы'; // мың
  return 'ы'; // миллион, миллиард
}
