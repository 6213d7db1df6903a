// The board in real Chromium: the default registry (45 centers) in three languages, the language
// switcher, a center page opened from the board, a known 90-day pattern of up, down and no-data days,
// 320 px width, and the search form without JavaScript. Screenshots are kept in test-artifacts/.

import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import { lastDays } from '../../src/board/data.ts';
import { createAlerting } from '../../src/daemon/alerting.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/config.ts';
import type { Outcome, ProbeRecord } from '../../src/domain.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { dayStart } from '../../src/util/local-day.ts';
import { launchBrowser, screenshotPath } from '../helpers/browser.ts';
import { tempDir } from '../helpers/tmp.ts';

const CENTER = 'perspective-almaty';
let db: DB;
let app: App;
let url: string;
let browser: Browser;
let cleanup: () => void;
/** The expected class of each of the 90 cells of CENTER's bar. */
let pattern: string[];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  const config = loadConfig({}, DEFAULT_CONFIG_FILE);
  db = openDatabase(t.dir);
  const registry = loadRegistry(config.registry.file);
  syncRegistry(db, registry.centers, config.registry.file, 'test');
  const center = registry.centers.find((c) => c.id === CENTER);
  const channel = center?.channels.find((ch) => ch.target !== null);
  if (!center || !channel) throw new Error(`the default registry no longer has a probeable ${CENTER}`);
  const tz = center.tz ?? config.defaultTimezone;

  // A known pattern, written through the real probe writer (so the rollups are the real ones):
  // every 10th day has no evidence, the day after it every attempt failed, the rest answered.
  const writer = new ProbeWriter(db, { rules: config.status, batchMaxRows: 1000, flushIntervalMs: 5, defaultTz: config.defaultTimezone });
  const now = Date.now();
  const days = lastDays(tz, now, 90);
  pattern = days.map((_, i) => (i % 10 === 0 ? 'ln' : i % 10 === 1 ? 'l0' : 'l4'));
  const pending: Promise<unknown>[] = [];
  days.forEach((day, i) => {
    if (pattern[i] === 'ln') return;
    const outcome: Outcome = pattern[i] === 'l0' ? 'unavailable' : 'reachable';
    const start = dayStart(tz, day);
    for (let h = 1; h <= 4; h++) {
      const at = Math.min(start + h * 3_600_000, now - 1000);
      const rec: ProbeRecord = {
        channelId: channel.id, jobId: null, dueAt: at, startedAt: at, durationMs: 120,
        evidence: { method: channel.type === 'phone' ? 'call' : 'http', v: 1 },
        classification: { outcome, reason: outcome === 'reachable' ? 'ok' : 'http_5xx', detail: outcome === 'reachable' ? 'Answered.' : 'HTTP 503.', flags: [] },
      };
      pending.push(writer.add(rec));
    }
  });
  // Other centers get their own histories, so the board (and the README's screenshot) shows a
  // mix: one that went dark ten days ago, one that answers on some days only.
  const others = registry.centers.filter((c) => c.id !== CENTER && c.channels.some((ch) => ch.target !== null)).slice(0, 8);
  others.forEach((c, k) => {
    const ch = c.channels.find((x) => x.target !== null);
    if (!ch) return;
    const ctz = c.tz ?? config.defaultTimezone;
    lastDays(ctz, now, 90).forEach((day, i) => {
      if ((i + k) % 13 === 0) return;
      const up = k % 3 === 0 ? i < 80 : k % 3 === 1 ? (i + k) % 4 !== 0 : true;
      const at = Math.min(dayStart(ctz, day) + 3 * 3_600_000, now - 1000);
      pending.push(
        writer.add({
          channelId: ch.id, jobId: null, dueAt: at, startedAt: at, durationMs: 90, evidence: { method: ch.type === 'phone' ? 'call' : 'http', v: 1 },
          classification: up ? { outcome: 'reachable', reason: 'ok', detail: 'Answered.', flags: [] } : { outcome: 'no_answer', reason: 'no_answer', detail: 'Rang out.', flags: [] },
        }),
      );
    });
  });
  writer.flush();
  await Promise.all(pending);
  writer.close();
  // Center statuses and incidents, as the daemon derives them from these channel statuses.
  const alerting = await createAlerting(db, config, pino({ level: 'silent' }), null);
  alerting.tracker.loadCenters();
  alerting.tracker.evaluateAll();
  await alerting.stop();

  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }), board: { defaultTz: config.defaultTimezone, directoryDays: 30, pageSize: 50 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  db?.close();
  cleanup?.();
});

describe('the board in Chromium', () => {
  test.each([
    ['ru', 'ru-RU,ru;q=0.9', 'Можно ли дозвониться до центров помощи', /из 45 центров справочника/],
    ['kk', 'kk-KZ,kk;q=0.9,ru;q=0.5', 'Көмек орталықтарына хабарласуға бола ма', /45 орталықтың/],
    ['en', 'en-GB,en;q=0.9', 'Can the help centers be reached?', /of 45 listed centers were reachable in the last 7 days/],
  ])('renders the default registry in %s, chosen from Accept-Language', async (lang, accept, title, summary) => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': accept }, viewport: { width: 1024, height: 1400 } });
    const page = await context.newPage();
    await page.goto(url + '/');
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.textContent('h1')).toBe(title);
    expect(await page.textContent('.headline')).toMatch(summary);
    // Every center is on the board (45 in one page), grouped by region, each with its status in words.
    expect(await page.locator('li.center').count()).toBe(45);
    expect(await page.locator('li.center .badge').count()).toBe(45);
    expect(await page.locator('section.region h2').count()).toBeGreaterThan(10);
    await page.screenshot({ path: screenshotPath(`board-${lang}`), fullPage: false });

    await context.close();
  });

  test('the language switcher changes the language and remembers it', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': 'ru' } });
    const page = await context.newPage();
    await page.goto(url + '/');
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    await page.click('nav .langs a[hreflang="kk"]');
    expect(await page.getAttribute('html', 'lang')).toBe('kk');
    await page.goto(url + '/');
    expect(await page.getAttribute('html', 'lang')).toBe('kk');
    await context.close();
  });

  test('a center page opens from the board, with availability, channels, incidents and history', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': 'en' } });
    const page = await context.newPage();
    await page.goto(url + '/');
    await page.click(`#c-${CENTER} h3 a`);
    expect(new URL(page.url()).pathname).toBe(`/centers/${CENTER}`);
    expect(await page.locator('h2').allTextContents()).toEqual(['Availability', 'Contacts', 'Incidents', 'Probe history']);
    expect(await page.locator('.figures tbody tr').count()).toBe(3);
    expect(await page.locator('.history tbody tr').count()).toBeGreaterThan(10);
    await page.screenshot({ path: screenshotPath('center-en'), fullPage: true });
    await context.close();
  });

  test('the 90-day bar shows the known pattern of up, down and no-data days, with figures in each tooltip', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': 'en' } });
    const page = await context.newPage();
    await page.goto(`${url}/centers/${CENTER}`);
    const cells = page.locator('.bar ol li');
    expect(await cells.count()).toBe(90);
    expect(await cells.evaluateAll((els) => els.map((e) => e.classList[0]))).toEqual(pattern);
    // Colour follows the day's tone: a no-data day is grey, a failed day red, an answered day green.
    expect(await cells.evaluateAll((els) => els.map((e) => e.classList[1]))).toEqual(pattern.map((l) => (l === 'ln' ? 't-none' : l === 'l0' ? 't-down' : 't-up')));
    expect(await cells.nth(0).getAttribute('title')).toMatch(/: no data$/);
    expect(await cells.nth(1).getAttribute('title')).toMatch(/: 0% \(0 of 4 attempts\)$/);
    expect(await cells.nth(2).getAttribute('title')).toMatch(/: 100% \(4 of 4 attempts\)$/);
    // No-data days are drawn apart from down days: a different height, not only a different colour.
    const heights = await cells.evaluateAll((els) => els.slice(0, 3).map((e) => e.getBoundingClientRect().height));
    expect(new Set(heights).size).toBe(3);
    expect(await page.textContent('.bar figcaption')).toMatch(/81 days with data, 88\.8% available/);
    await context.close();
  });

  test('text contrast meets WCAG AA (4.5:1) for every status word, link and caption', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': 'en' } });
    const page = await context.newPage();
    const failures: string[] = [];
    for (const path of ['/', `/centers/${CENTER}`]) {
      await page.goto(url + path);
      // Computed in the page: each element's text colour against the first opaque background behind it.
      const found = (await page.evaluate(`(() => {
        const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
        const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3); } return [255, 255, 255]; };
        const out = [];
        for (const el of document.querySelectorAll('.badge, .ch-status, .ch-when, .ch-type, a, h1, h2, h3, p, figcaption, td, th, label, button, .legend span')) {
          if (!el.textContent.trim()) continue;
          const fg = rgb(getComputedStyle(el).color).slice(0, 3);
          const [a, b] = [lum(fg), lum(bg(el))].sort((x, y) => y - x);
          const ratio = (a + 0.05) / (b + 0.05);
          if (ratio < 4.5) out.push(el.className + ' ' + el.tagName + ' ' + ratio.toFixed(2) + ' ' + el.textContent.trim().slice(0, 30));
        }
        return out;
      })()`)) as string[];
      failures.push(...found.map((f) => `${path}: ${f}`));
    }
    expect(failures).toEqual([]);
    await context.close();
  });

  test('works at 320 px: nothing overflows sideways', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 800 }, extraHTTPHeaders: { 'accept-language': 'kk' } });
    const page = await context.newPage();
    for (const path of ['/', `/centers/${CENTER}`]) {
      await page.goto(url + path);
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      expect(width).toBeLessThanOrEqual(320);
    }
    await page.goto(url + '/');
    await page.screenshot({ path: screenshotPath('board-kk-320'), fullPage: false });
    await context.close();
  });

  test('filters and search work without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, extraHTTPHeaders: { 'accept-language': 'en' } });
    const page = await context.newPage();
    await page.goto(url + '/');
    await page.fill('input[name="q"]', 'perspect');
    await page.click('.filters button[type="submit"]');
    expect(new URL(page.url()).searchParams.get('q')).toBe('perspect');
    expect(await page.locator('li.center').count()).toBe(1);
    await page.selectOption('select[name="kind"]', 'hotline');
    await page.fill('input[name="q"]', '');
    await page.click('.filters button[type="submit"]');
    expect(await page.locator('li.center').count()).toBe(3);
    await context.close();
  });
});
