// What the `sip` method needs installed: baresip places the calls, espeak-ng and sox make the menu
// prompt. Checked at start when a trunk is configured, so a server without them refuses to start with a
// sentence (exit 78) instead of recording every call as our own error.

import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { SipConfig } from './config.ts';

/** The Debian packages that provide them, as docs/sip.md and the Dockerfile install them. */
export const SIP_RUNTIME_PACKAGES = ['baresip-core', 'espeak-ng', 'sox'] as const;

/** One sentence per missing program, naming the setting or the package; empty when all are there. */
export function missingSipPrograms(c: SipConfig): string[] {
  if (!c.trunk) return [];
  const problems: string[] = [];
  try {
    accessSync(c.baresip, constants.X_OK);
  } catch (err) {
    problems.push(
      `sip.baresip: ${c.baresip} cannot be run (${(err as NodeJS.ErrnoException).code ?? String(err)}), and a trunk is configured (sip.proxy); install it (apt-get install baresip-core), set sip.baresip to where it is, or remove sip.proxy.`,
    );
  }
  for (const [program, pkg] of [['espeak-ng', 'espeak-ng'], ['sox', 'sox']] as const) {
    // Found on PATH as the prompt maker runs it; --version runs nothing else.
    const r = spawnSync(program, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    if (r.error) {
      problems.push(`sip.proxy: a trunk is configured, but ${program} is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); the menu prompt is made with it: install it (apt-get install ${pkg}), or remove sip.proxy.`);
    }
  }
  return problems;
}
