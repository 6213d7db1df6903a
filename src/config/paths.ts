// Where the shipped files are, whatever folder the daemon starts in.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_CONFIG_FILE = path.join(PROJECT_ROOT, 'config', 'reachwatch.yaml');
