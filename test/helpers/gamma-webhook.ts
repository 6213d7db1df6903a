// One center (gamma, a website on a loopback site), one webhook receiver, and a daemon config that
// alerts the receiver about gamma: the set-up of the alert tests that run a real daemon process.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startWebhookReceiver, type WebhookReceiver } from '../../simulators/receivers/webhook-receiver.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { writeConfig } from './daemon.ts';
import { tempDir } from './tmp.ts';

export const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export interface GammaWebhook {
  site: LoopbackSite;
  receiver: WebhookReceiver;
  config: string;
  dataDir: string;
}

/**
 * Starts the site (gamma answering "ok") and the receiver, writes the registry and the config; each
 * thing to close is pushed onto `closers`. `retry` and `webhookTimeout`, when given, go into the
 * alerts section as they are (YAML).
 */
export async function gammaWebhookSetUp(closers: (() => unknown)[], opts: { retry?: string; webhookTimeout?: string } = {}): Promise<GammaWebhook> {
  const t = tempDir();
  closers.push(t.remove);
  const site = await startSite({ routes: { 'gamma.example.kz/*': page('<title>ok</title>') } });
  closers.push(() => site.close());
  const receiver = await startWebhookReceiver({ secret: WEBHOOK_SECRET });
  closers.push(() => receiver.close());
  writeFileSync(path.join(t.dir, 'centers.yaml'), `- id: gamma\n  name: Gamma\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "${site.url('gamma.example.kz', '/')}"}\n`);
  const retry = opts.retry === undefined ? '' : `  retry: ${opts.retry}\n`;
  const timeout = opts.webhookTimeout === undefined ? '' : `, timeout: ${opts.webhookTimeout}`;
  const config = writeConfig(
    t.dir,
    `registry: {file: centers.yaml, watch: false}
scheduler: {defaults: {website: 1s}, jitter: 10ms}
website: {resolve: {gamma.example.kz: 127.0.0.1}, total_timeout: 2s}
status: {confirmations: 1}
canaries: {urls: []}
store: {flush_interval: 20ms}
centers: {dark_after: 0, sweep_interval: 200ms}
alerts:
  poll_interval: 100ms
  send_timeout: 60s
${retry}  webhook: {allow_private_addresses: true${timeout}}
  subscriptions:
    - {id: ngo, channel: webhook, url: "${receiver.url}", secret: "${WEBHOOK_SECRET}", language: en}
`,
  );
  return { site, receiver, config, dataDir: path.join(t.dir, 'data') };
}
