// Board sign-in in real Chromium: an auditor signs in through the form with a token and finds, on the
// center page, an <audio> player whose clip loads (a duration above zero), under the board's strict
// CSP; the sign-in page has no serious or critical accessibility violation (axe-core).

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { Tokens } from '../../src/auth/tokens.ts';
import { buildTestApp, type TestApp } from '../helpers/api-app.ts';
import { launchBrowser, screenshotPath } from '../helpers/browser.ts';
import { tempDir } from '../helpers/tmp.ts';
import { centerWithClip } from '../helpers/center-with-clip.ts';

let t: TestApp;
let base: string;
let browser: Browser;
let secret: string;
let cleanupAudio: () => void;

beforeAll(async () => {
  t = await buildTestApp({ audio: true });
  const audio = tempDir('reachwatch-signin-browser-');
  cleanupAudio = audio.remove;
  await centerWithClip(t, audio.dir);
  secret = new Tokens(t.db).create({ name: 'a.auditor', role: 'auditor', createdBy: 'test' }).secret;
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  cleanupAudio?.();
});

describe('board sign-in in Chromium', () => {
  test('signing in through the form leads to a center page with a playable clip', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': 'en' } });
    const page = await context.newPage();
    // Every request the pages make succeeds (the board has no favicon: that one 404 is not a problem).
    const problems: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    await page.goto(`${base}/centers/alpha`);
    expect(await page.locator('audio').count()).toBe(0);
    await page.click('footer a[href^="/signin"]');
    await page.fill('#token', secret);
    // Back on the page it came from, signed in.
    await Promise.all([page.waitForURL(`${base}/centers/alpha`), page.click('form.signin button[type=submit]')]);
    expect(await page.textContent('header .session')).toContain('Signed in as a.auditor (auditor)');
    const audio = page.locator('audio[controls]').first();
    expect(await audio.getAttribute('preload')).toBe('none');
    // preload="none" waits for the listener's click; loading it here is what pressing play starts with.
    const duration = await audio.evaluate(
      (node) =>
        new Promise<number>((resolve, reject) => {
          // The DOM's own types are not in this project's lib; the element is an HTMLAudioElement.
          const el = node as unknown as { duration: number; preload: string; error: { code: number } | null; load(): void; addEventListener(e: string, f: () => void, o: { once: boolean }): void };
          el.addEventListener('loadedmetadata', () => resolve(el.duration), { once: true });
          el.addEventListener('error', () => reject(new Error(`audio error ${el.error?.code ?? '?'}`)), { once: true });
          el.preload = 'auto';
          el.load();
        }),
    );
    expect(duration).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('center-signed-in'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  test('the sign-in page has no serious or critical accessibility violation (axe-core)', async () => {
    // bypassCSP only so that axe itself can be injected; the page is the one everyone gets.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    for (const lang of ['ru', 'kk', 'en']) {
      await page.goto(`${base}/signin?lang=${lang}`);
      await page.addScriptTag({ content: readFileSync('node_modules/axe-core/axe.min.js', 'utf8') });
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string | null }[] }> } }).axe;
        return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
      });
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), lang).toEqual([]);
    }
    await context.close();
  }, 120_000);
});
