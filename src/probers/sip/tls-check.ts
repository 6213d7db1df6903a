// The trunk's TLS certificate, checked by us before each call over TLS. baresip 1.0 (libre 1.1) loads
// sip_cafile but completes the handshake with a trunk whose certificate no trusted CA signed (tested in
// test/sip/sip-tls.test.ts), and has no setting to require it. So the prober makes its own handshake
// first, with Node's verification (chain to sip.ca_file, the proxy's name or address in the
// certificate) and dials only when it passes. It guards against a wrong or impersonating trunk that
// answers every connection; an attacker on the path who relays our check and intercepts only baresip's
// own connection is not excluded (docs/sip.md, "TLS").

import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const CHECK_TIMEOUT_MS = 10_000;

/** null when the trunk at host:port presents a certificate the CA file vouches for; otherwise why not. */
export async function untrustedTrunk(proxy: string, caFile: string, signal: AbortSignal): Promise<string | null> {
  const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(proxy);
  if (!m) return `the proxy ${proxy} is not host:port`;
  const host = m[1] as string;
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (err) {
    return `sip.ca_file ${caFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  return new Promise((resolve) => {
    const isIp = /^[\d.]+$|:/.test(host);
    const socket = tls.connect({ host, port: Number(m[2]), ca, ...(isIp ? {} : { servername: host }), rejectUnauthorized: true, timeout: CHECK_TIMEOUT_MS });
    const onAbort = () => done('the probe was cancelled during the TLS check');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const done = (why: string | null) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(why);
    };
    socket.once('secureConnect', () => done(null));
    socket.once('timeout', () => done(`no TLS handshake within ${CHECK_TIMEOUT_MS / 1000} s`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'nothing listening' : `${err.code ?? 'TLS'}: ${err.message}`));
  });
}
