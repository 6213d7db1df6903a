// A PATH that holds only the named tools (symlinks into a fresh folder), so a test can show that a
// step works without everything else on the machine: no compiler, no Python, no browser.

import { existsSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** Where `name` is on this process's PATH, or null. */
export function which(name: string, PATH = process.env.PATH ?? ''): string | null {
  for (const dir of PATH.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return null;
}

/**
 * Makes `dir` a PATH folder with the given tools: a name maps to the file to link (or null to take
 * it from this process's PATH). Returns `dir`.
 */
export function toolPath(dir: string, tools: Record<string, string | null>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(tools)) {
    const file = target ?? which(name);
    if (!file) throw new Error(`toolPath: ${name} is not on PATH`);
    symlinkSync(realpathSync(file), path.join(dir, name));
  }
  return dir;
}
