import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

// The Debian package, never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'live-page-token';
const OUT_DIR = new URL('../out/', import.meta.url);

async function traffic(stack: Stack, agent: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await request(`${stack.app.url}/agents/${agent}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: `hello ${i}` }] }),
    });
    expect(r.statusCode).toBe(200);
    await r.body.text();
  }
}

describe('status page of a real proxy in headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack({ config: { adminToken: TOKEN, reallocateSeconds: 1, logLevel: 'warn' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows the agents that sent traffic, and its charts follow more traffic', async () => {
    await traffic(stack, 'planner', 3);
    await traffic(stack, 'coder', 3);
    await stack.app.reallocator.reallocate();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${stack.app.adminUrl}/?refresh=0.5`);
    await page.fill('#token', TOKEN);
    await page.click('#token-form button[type=submit]');
    for (const agent of ['planner', 'coder']) await page.locator(`#allocations tbody tr[data-agent="${agent}"]`).waitFor({ timeout: 10_000 });

    const chart = page.locator('#chart-allocation svg');
    await chart.waitFor({ timeout: 10_000 });
    const before = await chart.getAttribute('data-last-tick');
    // More traffic, from a new agent too; the next ticks must reach the chart and the table.
    await traffic(stack, 'reviewer', 3);
    await page.locator('#allocations tbody tr[data-agent="reviewer"]').waitFor({ timeout: 10_000 });
    // A string runs in the page (this project's TypeScript has no DOM types).
    await page.waitForFunction(`document.querySelector('#chart-allocation svg')?.getAttribute('data-last-tick') !== ${JSON.stringify(before)}`, undefined, {
      timeout: 10_000,
    });
    mkdirSync(OUT_DIR, { recursive: true });
    await page.screenshot({ path: new URL('status-page-live.png', OUT_DIR).pathname, fullPage: true });
    expect(problems).toEqual([]);
  });
});
