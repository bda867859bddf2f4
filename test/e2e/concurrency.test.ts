import { Prng } from '../../src/simulate/prng.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconciliationRecord } from '../../src/accounting/record.js';
import { startProxyApp, type ProxyApp } from '../../src/app/proxy-app.js';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { configFor, nameAgents } from './harness.js';

const AGENTS = 20;
const REQUESTS = 500;
const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;

/** A deterministic sequence (the simulator's mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

describe('budgets hold under concurrency', () => {
  let mock: MockProvider;
  let app: ProxyApp;
  const records: ReconciliationRecord[] = [];
  beforeAll(async () => {
    mock = await startMockProvider({ behaviour: { outputTokens: 30, chunks: 4, chunkMs: 2 } });
    // Every agent stays in calibration for the whole test, so each bucket refills at the configured baseline throughout.
    const config = configFor(mock.url, {
      tokensPerMinute: AGENTS * 6000,
      reallocateSeconds: 2,
      baseline: { tokensPerMinute: 6000 },
      queue: { maxWaitMs: 400, maxDepth: 10_000 },
      logLevel: 'silent',
    });
    app = await startProxyApp(config, { logger: createLogger({ level: 'silent' }), store: new MemoryStore(), onRecord: (r) => records.push(r) });
    await nameAgents(app, Array.from({ length: AGENTS }, (_, i) => `agent-${i}`));
  });
  afterAll(async () => {
    await app.stop(2000);
    await mock.close();
  });

  it('500 concurrent requests from 20 agents: every reservation settled, admitted tokens within the bound', async () => {
    const rnd = prng(42);
    const started = Date.now();
    const startViews = new Map(Array.from({ length: AGENTS }, (_, i) => [`agent-${i}`, app.admission.view(`agent-${i}`)]));
    const outcomes = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const agent = `agent-${i % AGENTS}`;
        const stream = rnd() < 0.5;
        const roll = rnd();
        const fault = roll < 0.08 ? 'fault=error' : roll < 0.14 ? 'fault=reset,resetAfterChunks=1' : undefined;
        const abortAfter = rnd() < 0.1 ? Math.floor(rnd() * 40) : undefined;
        const controller = new AbortController();
        if (abortAfter !== undefined) setTimeout(() => controller.abort(), abortAfter);
        try {
          const r = await request(`${app.url}/v1/chat/completions`, {
            method: 'POST',
            signal: controller.signal,
            headers: {
              'content-type': 'application/json',
              'x-token-ninja-agent': agent,
              'x-token-ninja-priority': PRIORITIES[Math.floor(rnd() * 4)]!,
              ...(fault ? { 'x-mock-behaviour': fault } : {}),
            },
            body: JSON.stringify({ model: 'gpt-4o-mini', stream, max_tokens: 40, messages: [{ role: 'user', content: `request ${i}` }] }),
          });
          await r.body.text();
          return r.statusCode;
        } catch {
          return 0;
        }
      }),
    );
    // Let aborted and cut requests finish settling.
    for (let i = 0; i < 50 && app.admission.stats().ledger.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const elapsed = Date.now() - started;

    const stats = app.admission.stats();
    // Nothing leaked: every reservation ended exactly once.
    expect(stats.ledger.inFlight).toBe(0);
    expect(stats.ledger.duplicateEndings).toBe(0);
    expect(stats.ledger.settled + stats.ledger.released).toBe(stats.ledger.reservations);
    expect(records).toHaveLength(stats.ledger.settled);
    expect(outcomes.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(outcomes.filter((s) => s === 429).length).toBeGreaterThan(0);

    // The bound, per agent over the run: tokens admitted on its allocation (reservations at estimated cost)
    //   ≤ starting balance + allocation rate × elapsed + reconciliation refunds + one request (the debt rule),
    // and burst and newcomer-reserve draws (the requests that named the agents) are accounted by their pools.
    const draws = app.admission.burstPool.draws();
    const newcomerDraws = app.admission.newcomerPool.draws();
    for (let i = 0; i < AGENTS; i++) {
      const agent = `agent-${i}`;
      const mine = records.filter((r) => r.agent === agent);
      const reserved = mine.reduce((s, r) => s + r.estimatedInput + r.estimatedOutput, 0);
      const refunds = mine.reduce((s, r) => s + Math.max(0, r.estimatedInput + r.estimatedOutput - r.charged), 0);
      const largest = Math.max(0, ...mine.map((r) => r.estimatedInput + r.estimatedOutput));
      const view = startViews.get(agent)!;
      const burst = draws.get(agent)?.tokens ?? 0;
      const newcomer = newcomerDraws.get(agent)?.tokens ?? 0;
      const bound = Math.max(0, view.balance) + view.rate * elapsed + refunds + largest + burst + newcomer;
      expect(reserved, `${agent}: reserved ${reserved} over bound ${bound}`).toBeLessThanOrEqual(bound);
    }
  });
});
