// Benchmark sections, run in this order by bench/run.ts (`--only <name>` picks some).
// To add one (board render times, reports …): write
// bench/sections/<name>.ts exporting a BenchSection (bench/lib/section.ts) and list it here.

import type { BenchSection } from '../lib/section.ts';
import { blackboxSection } from './blackbox.ts';
import { audioSection } from './audio.ts';
import { boardSection } from './board.ts';
import { evidenceSection } from './evidence.ts';
import { callbacksSection } from './callbacks.ts';
import { cpsSection } from './calls-per-second.ts';
import { overloadSection } from './overload.ts';
import { probesSection } from './probes.ts';
import { sipSection } from './sip.ts';
import { agentsIngestSection } from './agents-ingest.ts';
import { agentSection } from './agent.ts';
import { agentsLeaseSection } from './agents-lease.ts';

export const SECTIONS: readonly BenchSection[] = [probesSection, overloadSection, blackboxSection, callbacksSection, cpsSection, boardSection, evidenceSection, audioSection, sipSection, agentsIngestSection, agentsLeaseSection, agentSection];
