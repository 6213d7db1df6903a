// The version an agent reports at enrollment and with each lease: the package's, so the central's
// agent list shows which agents run an older release.

import { readFileSync } from 'node:fs';

export const AGENT_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return `reachwatch/${typeof pkg.version === 'string' ? pkg.version : 'unknown'}`;
  } catch {
    return 'reachwatch/unknown';
  }
})();
