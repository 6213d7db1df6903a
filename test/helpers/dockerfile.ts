// Reads the project's Dockerfile into instructions, so tests can replay its COPY and RUN steps without
// a Docker engine and compare its CMD, STOPSIGNAL and HEALTHCHECK with what the daemon does.

import { readFileSync } from 'node:fs';
import path from 'node:path';

export const DOCKERFILE = path.resolve('Dockerfile');

export interface Instruction {
  /** The stage's name (`FROM … AS name`), or its base image when it has none. */
  stage: string;
  op: string;
  /** The text after the keyword, continuation lines joined with a space. */
  args: string;
  line: number;
}

export function readDockerfile(file = DOCKERFILE): Instruction[] {
  const out: Instruction[] = [];
  let stage = '';
  let pending = '';
  let startLine = 0;
  readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const text = raw.trim();
    if (!pending && (text === '' || text.startsWith('#'))) return;
    if (pending && text.startsWith('#')) return; // comments may sit between continuation lines
    if (!pending) startLine = i + 1;
    if (text.endsWith('\\')) {
      pending += `${text.slice(0, -1).trim()} `;
      return;
    }
    const full = (pending + text).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    const op = (m?.[1] ?? '').toUpperCase();
    const args = m?.[2] ?? '';
    if (op === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? args.split(/\s+/)[0] ?? '';
    out.push({ stage, op, args, line: startLine });
  });
  return out;
}

/** The exec-form (JSON array) arguments of CMD, HEALTHCHECK … CMD, ENTRYPOINT. */
export function execForm(args: string, where: Instruction): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`Dockerfile line ${where.line}: ${where.op} is not in exec form (a JSON array of strings)`);
  }
  return parsed;
}

/** `ENV A=1 B=2` (the only ENV form the project uses) as an object. */
export function envOf(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, k = '', v = ''] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[k] = v.replace(/^"(.*)"$/, '$1');
  return env;
}

export function only(ins: Instruction[], op: string, stage?: string): Instruction[] {
  return ins.filter((i) => i.op === op && (stage === undefined || i.stage === stage));
}

/** The one `op` instruction of `stage`; a Dockerfile with none, or several, fails the test that asks. */
export function single(ins: Instruction[], op: string, stage: string): Instruction {
  const found = only(ins, op, stage);
  const first = found[0];
  if (found.length !== 1 || !first) throw new Error(`Dockerfile: expected one ${op} in stage ${stage}, found ${found.length}`);
  return first;
}
