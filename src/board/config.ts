// The `board` section: the public board's directory page.

import { fieldsOf, knownKeys, sectionOf, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

export interface BoardConfig {
  directoryDays: number;
  pageSize: number;
}

export const BOARD_DEFAULTS: BoardConfig = { directoryDays: 30, pageSize: 50 };

export const BOARD_DOC: SectionDoc = {
  section: 'board',
  about: 'The public board.',
  keys: [
    { key: 'directory_days', default: String(BOARD_DEFAULTS.directoryDays), meaning: 'Days of history behind the directory\'s availability figures, 1 to 3650.' },
    { key: 'page_size', default: String(BOARD_DEFAULTS.pageSize), meaning: 'Centers per directory page, 5 to 1000.' },
  ],
};

export function parseBoardSection(raw: Obj, ctx: SectionContext): BoardConfig {
  const f = fieldsOf(ctx, 'board', sectionOf(raw, 'board', ctx));
  f.known(knownKeys(BOARD_DOC));
  return {
    directoryDays: f.int('directory_days', BOARD_DEFAULTS.directoryDays, 1, 3650),
    pageSize: f.int('page_size', BOARD_DEFAULTS.pageSize, 5, 1000),
  };
}
