// The `registry` section: the center registry file (REACHWATCH_REGISTRY wins) and whether it is watched.

import path from 'node:path';
import { PROJECT_ROOT } from '../config/paths.ts';
import { fieldsOf, knownKeys, resolvePath, sectionOf, showValue, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

export interface RegistryConfig {
  file: string;
  watch: boolean;
}

export const REGISTRY_DEFAULTS: RegistryConfig = { file: path.join(PROJECT_ROOT, 'config', 'centers.yaml'), watch: true };

export const REGISTRY_DOC: SectionDoc = {
  section: 'registry',
  about: 'The directory of centers and their channels.',
  keys: [
    { key: 'file', default: 'config/centers.yaml of the installation', meaning: 'The registry file, relative to the config file.', env: 'REACHWATCH_REGISTRY' },
    { key: 'watch', default: showValue(REGISTRY_DEFAULTS.watch), meaning: 'Reload the registry when the file changes (SIGHUP reloads it too).' },
  ],
};

export function parseRegistrySection(raw: Obj, ctx: SectionContext): RegistryConfig {
  const registry = sectionOf(raw, 'registry', ctx);
  const f = fieldsOf(ctx, 'registry', registry);
  f.known(knownKeys(REGISTRY_DOC));
  const file = ctx.env.registryFile
    ? path.resolve(ctx.env.registryFile)
    : typeof registry.file === 'string'
      ? resolvePath(ctx, registry.file)
      : REGISTRY_DEFAULTS.file;
  return { file, watch: f.bool('watch', REGISTRY_DEFAULTS.watch) };
}
