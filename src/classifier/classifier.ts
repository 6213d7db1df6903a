// Classification is a pure function of stored evidence and the rules in force.
// Nothing here may read the clock, the network or the database: given the same evidence and rules,
// it must give the same outcome today and in an audit two years from now.

import type { Classification, Evidence } from '../domain.ts';
import { classifyPhone } from './phone.ts';
import { classifySip } from './sip.ts';
import { isSipEvidence } from '../probers/sip/evidence.ts';
import { classifyWebsite, type WebsiteRules } from './website.ts';
import { WEBSITE_DEFAULTS } from '../probers/website/config.ts';

export const CLASSIFIER_VERSION = 1;

export interface ClassifierRules {
  website: WebsiteRules;
}

export const DEFAULT_RULES: ClassifierRules = {
  website: { slowMs: WEBSITE_DEFAULTS.slowMs, certExpiryWarnDays: WEBSITE_DEFAULTS.certExpiryWarnDays },
};

export function classify(evidence: Evidence, rules: ClassifierRules = DEFAULT_RULES): Classification {
  switch (evidence.method) {
    case 'http':
      return classifyWebsite(evidence, rules.website);
    case 'call':
    case 'lookup':
    case 'manual':
      return classifyPhone(evidence);
    case 'sip':
      if (isSipEvidence(evidence)) return classifySip(evidence);
      return { outcome: 'error', reason: 'malformed_evidence', detail: 'The stored SIP evidence does not have the expected shape.', flags: [] };
    case 'internal':
    case 'none':
      return {
        outcome: 'error',
        reason: `prober_${evidence.method}`,
        detail: `The probe could not run on our side: ${String(evidence.error)}`,
        flags: [],
      };
    default:
      return {
        outcome: 'error',
        reason: 'unknown_evidence',
        detail: `No classifier for evidence method "${evidence.method}".`,
        flags: [],
      };
  }
}
