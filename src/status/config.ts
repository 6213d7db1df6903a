// The `status` section: how many agreeing results confirm a change of a channel's status.

import { fieldsOf, knownKeys, sectionOf, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

export interface StatusConfig {
  confirmations: number;
}

export const STATUS_DEFAULTS: StatusConfig = { confirmations: 3 };

export const STATUS_DOC: SectionDoc = {
  section: 'status',
  about: 'How a channel\'s status follows its results.',
  keys: [{ key: 'confirmations', default: String(STATUS_DEFAULTS.confirmations), meaning: 'Consecutive agreeing results that confirm a change of status, 1 to 100 (phone menu answers use telephony.answer_confirmations).' }],
};

export function parseStatusSection(raw: Obj, ctx: SectionContext): StatusConfig {
  const f = fieldsOf(ctx, 'status', sectionOf(raw, 'status', ctx));
  f.known(knownKeys(STATUS_DOC));
  return { confirmations: f.int('confirmations', STATUS_DEFAULTS.confirmations, 1, 100) };
}
