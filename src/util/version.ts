// The package's version, for `reachwatch --version` and the reachwatch_build_info metric: read from
// package.json once, so a release changes one place.

import { readFileSync } from 'node:fs';

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
