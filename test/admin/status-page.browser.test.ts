import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type AdminServer } from './admin-server.js';
import { FakeBackend } from './fake-backend.js';

// The Debian package, never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'page-token-456';
const OUT_DIR = new URL('../out/', import.meta.url);
const SCREENSHOT = new URL('status-page.png', OUT_DIR);
const DOCS_SCREENSHOT = new URL('../../docs/status-page.png', import.meta.url);

describe('status page in headless Chromium', () => {
  let backend: FakeBackend;
  let admin: AdminServer;
  let browser: Browser;

  beforeAll(async () => {
    backend = new FakeBackend(['planner', 'coder', 'reviewer', 'triage']);
    backend.addAgent('web-1', 50_000, 1, 'search');
    backend.costs.set('planner', { usdToday: 1.25, usdThisMonth: 30 });
    backend.costs.set('coder', { usdToday: 0.5, usdThisMonth: 0.5 });
    for (let i = 0; i < 25; i++) backend.advance();
    admin = await startAdmin(backend, { token: TOKEN });
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
    } catch (err) {
      throw new Error(`cannot start ${CHROMIUM}: install the Debian package \`chromium\` (${String(err)})`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await admin?.close();
  });

  it('loads without console errors, shows the agents after the token, and its charts follow new data', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()}`));
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(admin.url) && !req.url().startsWith('data:')) external.push(req.url());
    });

    try {
      await page.goto(`${admin.url}/?refresh=0.5`);
      // No token yet: the page asks for it instead of firing requests bound to fail.
      await page.locator('#token-form').waitFor({ state: 'visible' });
      expect(await page.locator('#allocations tbody tr').count()).toBe(0);

      await page.fill('#token', TOKEN);
      await page.click('#token-form button[type=submit]');
      for (const agent of ['planner', 'coder', 'reviewer', 'triage']) {
        await page.locator(`#allocations tbody tr[data-agent="${agent}"]`).waitFor({ timeout: 8000 });
      }
      expect(await page.locator('#allocations tbody tr[data-agent="triage"] td').nth(3).textContent()).toBe('calibrating');
      expect(await page.locator('#status').textContent()).toContain('Live');
      // The team view: one row per team, with its agents counted.
      await page.locator('#teams tbody tr[data-team="search"]').waitFor({ timeout: 8000 });
      expect(await page.locator('#teams tbody tr td:first-child').allTextContents()).toEqual(['default', 'search']);
      expect(await page.locator('#teams tbody tr[data-team="default"] td').nth(1).textContent()).toBe('4');
      expect(await page.locator('#teams tbody tr[data-team="search"] td').nth(2).textContent()).toBe('split by the engine');
      // Dollars per team: the sum of its agents' (planner 1.25 + coder 0.5 today).
      expect(await page.locator('#teams tbody tr[data-team="default"] td').nth(7).textContent()).toBe('1.75');
      expect(await page.locator('#teams tbody tr[data-team="default"] td').nth(8).textContent()).toBe('30.50');
      // Amounts in the budget's unit, and no caps yet.
      expect(await page.locator('#allocations thead th').nth(1).textContent()).toBe('Allocation tokens/tick');
      expect(await page.locator('#caps tbody td.empty').textContent()).toBe('No caps configured');

      const usage = page.locator('#chart-usage svg');
      const tickBefore = await usage.getAttribute('data-last-tick');
      const pathBefore = await page.locator('#chart-usage path[data-series="planner"]').getAttribute('d');
      expect(pathBefore).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){29}$/); // 30 ticks drawn
      for (const id of ['allocation', 'usage', 'productivity', 'burst', 'throttled']) {
        expect(await page.locator(`#chart-${id} svg path`).count(), id).toBeGreaterThan(0);
      }

      // The backend's data moves on: a new tick, and a new agent.
      backend.addAgent('hotfix-bot', 400_000, 3);
      backend.advance();
      const lastTick = String(backend.points[backend.points.length - 1]?.tick);
      expect(lastTick).not.toBe(tickBefore);
      await page.locator(`#chart-usage svg[data-last-tick="${lastTick}"]`).waitFor({ timeout: 8000 });
      // A one-tick series is a dot, not a line.
      await page.locator('#chart-allocation circle[data-series="hotfix-bot"]').waitFor({ timeout: 8000 });
      await page.locator('#allocations tbody tr[data-agent="hotfix-bot"]').waitFor({ timeout: 8000 });
      const pathAfter = await page.locator('#chart-usage path[data-series="planner"]').getAttribute('d');
      expect(pathAfter).not.toBe(pathBefore);

      // Caps configured, the budget in dollars: one row per cap with its share as a bar, every header in $.
      backend.unit = 'usd';
      backend.capRows = [
        { scope: 'fleet', period: 'month', periodId: 'month:2030-01', used: 45, reserved: 1, limit: 100, share: 0.45, action: 'alert', resetsAt: '2030-02-01T00:00:00.000Z' },
        { scope: 'team:search', period: 'day', periodId: 'day:2030-01-01', used: 12, reserved: 0, limit: 10, share: 1.2, action: 'block', resetsAt: '2030-01-02T00:00:00.000Z' },
      ];
      await page.locator('#caps tbody tr[data-scope="team:search"][data-period="day"]').waitFor({ timeout: 8000 });
      expect(await page.locator('#caps tbody tr[data-scope="fleet"] td').allTextContents()).toEqual(['fleet', 'month', '45 / 100', '45%', 'alert', '2030-02-01 00:00 UTC']);
      expect(await page.locator('#caps tbody tr[data-scope="fleet"] .bar span').getAttribute('style')).toBe('width: 45%;');
      expect(await page.locator('#caps tbody tr[data-scope="team:search"] .bar').getAttribute('class')).toBe('bar full');
      expect(await page.locator('#caps thead th').nth(2).textContent()).toBe('Used / limit $');
      expect(await page.locator('#allocations thead th').nth(1).textContent()).toBe('Allocation $/tick');
      expect(await page.locator('#teams thead th').nth(4).textContent()).toBe('Part $/tick');

      // The token was kept for the session: a reload goes straight to the data.
      await page.reload();
      await page.locator('#allocations tbody tr[data-agent="planner"]').waitFor({ timeout: 8000 });
      expect(await page.locator('#token-form').isHidden()).toBe(true);

      mkdirSync(OUT_DIR, { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
      // The README's copy is refreshed on request only, so a test run leaves the work tree clean.
      if (!existsSync(DOCS_SCREENSHOT) || process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(SCREENSHOT, DOCS_SCREENSHOT);
      expect(problems).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
