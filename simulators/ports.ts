// A loopback port for a server that is started next (the daemon, the Twilio-protocol server): bound
// by the OS so it is free now, then released for the caller to listen on.

import { once } from 'node:events';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}
