// How the channels tell a delivery that certainly failed from one whose result is unknown.

// Errors raised before a byte of the request can have left: no name, no route, no connection, no
// TLS session. Anything else (a reset, a socket closed mid-request, our deadline) may come after the
// receiver got the request, so it is 'unknown', never 'failed'.
const BEFORE_SENDING = new Set([
  'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_INVALID_ARG', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Whether `err` proves the request never left (so the receiver certainly did not get it). */
export function failedBeforeSending(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && BEFORE_SENDING.has(code)) return true;
  }
  return false;
}

/**
 * HTTP answers that come from a gateway which gave up waiting for the receiver behind it (504,
 * Cloudflare's 524): the receiver may have the request and be slow, exactly the case of a timeout.
 */
export function gatewayTimedOut(status: number): boolean {
  return status === 504 || status === 524;
}
