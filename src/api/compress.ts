// Response compression: brotli or gzip for text (HTML, CSS, JS, JSON, CSV, SVG, XML) over a small
// threshold, as the client's Accept-Encoding allows. The board's HTML for 45 centers is hundreds of
// kilobytes of repetitive markup; on a phone on a slow line that is the difference between a page
// and a spinner. Node's zlib, off the event loop (its thread pool), no package.

import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { App } from './types.ts';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Smaller bodies gain less than the header costs. */
export const COMPRESS_MIN_BYTES = 1024;
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|atom\+xml)|image\/svg\+xml)/;

export type Encoding = 'br' | 'gzip' | null;

/**
 * The encoding to use for an Accept-Encoding header: the one with the highest q (brotli on a
 * tie), never one given q=0; `*` stands for any not named.
 */
export function chooseEncoding(accept: string | undefined): Encoding {
  if (!accept) return null;
  const q = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qp ? Number(qp.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const of = (e: string) => q.get(e) ?? q.get('*') ?? 0;
  const br = of('br');
  const g = Math.max(of('gzip'), q.get('x-gzip') ?? 0);
  if (br <= 0 && g <= 0) return null;
  return br >= g ? 'br' : 'gzip';
}

function addVary(current: unknown, field: string): string {
  const text = Array.isArray(current) ? current.join(', ') : typeof current === 'string' ? current : '';
  if (text.split(',').some((v) => v.trim().toLowerCase() === field.toLowerCase() || v.trim() === '*')) return text;
  return text ? `${text}, ${field}` : field;
}

export function installCompression(app: App): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (!COMPRESSIBLE.test(type) || reply.getHeader('content-encoding') !== undefined) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    // Whether this body is compressed depends on the request's Accept-Encoding: say so to caches,
    // even when this one was not.
    void reply.header('vary', addVary(reply.getHeader('vary'), 'Accept-Encoding'));
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (body.length < COMPRESS_MIN_BYTES || reply.statusCode === 204 || reply.statusCode === 304) return payload;
    const encoding = chooseEncoding(req.headers['accept-encoding']);
    if (!encoding) return payload;
    // Brotli's quality 5 compresses HTML about as well as gzip -9 at a fraction of quality 11's time.
    const out = encoding === 'br' ? await brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }) : await gz(body, { level: 6 });
    void reply.header('content-encoding', encoding).removeHeader('content-length');
    return out;
  });
}
