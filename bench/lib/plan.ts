// The benchmark's population of sites: which of the N channels is fast, slow, refused or hanging.
// Deterministic by index so the site child and the daemon side agree without exchanging a list.

export type SiteKind = 'fast' | 'slow' | 'refused' | 'hang';
export const SITE_KINDS: readonly SiteKind[] = ['fast', 'slow', 'refused', 'hang'];

/** Per hundred channels: 85 fast, 7 slow, 5 refused, 3 hanging (the brief's mix). */
const MIX: readonly [SiteKind, number][] = [
  ['fast', 85],
  ['slow', 7],
  ['refused', 5],
  ['hang', 3],
];

export const BENCH_DOMAIN = 'bench.test';

/** `c00001` … : also the center id, so a channel id leads straight back to its index. */
export function centerIdOf(i: number): string {
  return `c${String(i + 1).padStart(5, '0')}`;
}

export function hostOf(i: number): string {
  return `${centerIdOf(i)}.${BENCH_DOMAIN}`;
}

/** Index from a center id or channel id (`c00042--web-…` → 41), or -1. */
export function indexOfId(id: string): number {
  const m = /^c(\d{5,})(?:--|$)/.exec(id);
  return m ? Number(m[1]) - 1 : -1;
}

export function kindOf(i: number): SiteKind {
  // Spread the kinds with a multiplicative step so neighbours differ (i % 100 alone would make
  // c00086…c00092 all slow); 37 is coprime with 100, so every residue, hence the exact mix, is kept.
  let r = (i * 37) % 100;
  for (const [kind, share] of MIX) {
    if (r < share) return kind;
    r -= share;
  }
  return 'fast';
}

/** Slow sites answer their first byte after 200–800 ms, stable per site. */
export function slowDelayMs(i: number): number {
  return 200 + ((i * 7919) % 601);
}

/** A plain page of ~3 KB, roughly what a small organisation's home page sends before its assets. */
export function pageHtml(i: number): string {
  const filler = 'Helpline open 09:00–18:00. Call us or write to us; consultations are free and confidential. '.repeat(30);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bench center ${i + 1}</title></head>` +
    `<body><h1>Bench center ${i + 1}</h1><p>${filler}</p></body></html>`;
}

export interface SitePorts {
  /** HTTP server playing every fast and slow site by Host name. */
  web: number;
  /** Accepts TCP connections and never answers. */
  hang: number;
  /** Nothing listens here. */
  refused: number;
}

export function portFor(kind: SiteKind, ports: SitePorts): number {
  return kind === 'refused' ? ports.refused : kind === 'hang' ? ports.hang : ports.web;
}

export function countKinds(channels: number): Record<SiteKind, number> {
  const out: Record<SiteKind, number> = { fast: 0, slow: 0, refused: 0, hang: 0 };
  for (let i = 0; i < channels; i++) out[kindOf(i)]++;
  return out;
}
