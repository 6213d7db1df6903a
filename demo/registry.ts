// The default registry as the demo probes it: the same records and channel ids, but every website
// pointed at the loopback site (probe_url, with each host resolved to 127.0.0.1), and every channel
// the thesis says nothing about left to hand probes, since there is no behaviour to give it. Nothing
// real is ever contacted.

import { readFileSync } from 'node:fs';
import { parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Center } from '../src/domain.ts';
import type { SimulatedChannel } from './simulation.ts';

export interface DemoRegistry {
  /** The rewritten registry, as YAML. */
  text: string;
  /** website.resolve: every website host name → 127.0.0.1. */
  resolve: Record<string, string>;
  /** Channel ids left to hand probes (methods: [manual]) because the thesis reports nothing about them. */
  manual: string[];
}

export function demoRegistry(registryFile: string, centers: Center[], sims: SimulatedChannel[], sitePort: number): DemoRegistry {
  const doc: Document = parseDocument(readFileSync(registryFile, 'utf8'));
  const simulated = new Set(sims.map((s) => s.channel.id));
  const resolve: Record<string, string> = {};
  const manual: string[] = [];
  const records = (doc.contents as YAMLSeq<YAMLMap>).items;
  for (const center of centers) {
    const record = records.find((c) => c.get('id') === center.id);
    const entries = ((record?.get('channels') as YAMLSeq<YAMLMap> | undefined)?.items ?? []);
    for (const ch of center.channels) {
      if (!ch.target) continue;
      // Channel ids come from the written value, so probe_url can change without changing the id.
      const entry = entries.find((e) => e.get('value') === ch.value);
      if (!entry) continue;
      if (!simulated.has(ch.id)) {
        entry.set('methods', ['manual']);
        manual.push(ch.id);
        continue;
      }
      if (ch.type !== 'website') continue;
      const u = new URL(ch.target);
      resolve[u.hostname] = '127.0.0.1';
      entry.set('probe_url', `http://${u.hostname}:${sitePort}${u.pathname}${u.search}`);
    }
  }
  return { text: doc.toString(), resolve, manual };
}
