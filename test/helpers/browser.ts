// Real Chromium for board tests: Debian's package (/usr/bin/chromium), driven by playwright-core,
// never a downloaded browser. A missing browser fails the test run (CI installs it) instead of skipping.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.REACHWATCH_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots are kept here as test artifacts (ignored by git). */
export const ARTIFACTS = path.resolve('test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set REACHWATCH_CHROMIUM.`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // The flags keep Chromium from calling home on a machine with no network (each refused
  // connection otherwise costs time), and --no-sandbox lets it run as root in CI containers.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export const screenshotPath = (name: string): string => path.join(ARTIFACTS, `${name}.png`);
