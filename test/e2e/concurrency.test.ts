import { Prng } from '../../src/simulate/prng.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyApp, type ProxyApp } from '../../src/app/proxy-app.js';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { configFor, nameAgents } from './harness.js';
import { reportedChatUsage } from './mock-usage.js';

const AGENTS = 20;
const REQUESTS = 500;
const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
// Low enough that the refill over the run is small next to what the agents ask for, so refunds decide the bound.
const BASELINE_PER_MINUTE = 1000;
const TICK_SECONDS = 2;
const MAX_TOKENS = 40;

/** A deterministic sequence (the simulator's mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

/** One request of the run as the test sent it and saw it end. */
interface Sent {
  agent: string;
  body: Record<string, unknown>;
  fault: 'error' | 'reset' | undefined;
  clientAborted: boolean;
}

const bodyOf = (i: number, stream: boolean) => ({ model: 'gpt-4o-mini', stream, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `request ${i}` }] });

describe('budgets hold under concurrency', () => {
  let mock: MockProvider;
  let app: ProxyApp;
  beforeAll(async () => {
    // The mock generates the full max_tokens, so a reservation is close to the truth and a correct charge refunds little.
    mock = await startMockProvider({ behaviour: { outputTokens: MAX_TOKENS, chunks: 4, chunkMs: 2 }, maxRecorded: 2 * REQUESTS });
    // Every agent stays in calibration for the whole test, so each bucket refills at the configured baseline throughout.
    const config = configFor(mock.url, {
      tokensPerMinute: AGENTS * BASELINE_PER_MINUTE,
      reallocateSeconds: TICK_SECONDS,
      baseline: { tokensPerMinute: BASELINE_PER_MINUTE },
      queue: { maxWaitMs: 3000, maxDepth: 10_000 },
      logLevel: 'silent',
    });
    app = await startProxyApp(config, { logger: createLogger({ level: 'silent' }), store: new MemoryStore() });
    await nameAgents(app, Array.from({ length: AGENTS }, (_, i) => `agent-${i}`));
  });
  afterAll(async () => {
    await app.stop(2000);
    await mock.close();
  });

  /** What admission reserves for a body, as the proxy's documented estimate endpoint answers it. */
  async function reservation(body: Record<string, unknown>): Promise<{ input: number; total: number }> {
    const r = await request(`${app.url}/token-ninja/v1/estimate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: '/v1/chat/completions', body }),
    });
    const e = (await r.body.json()) as { inputTokens: number; outputTokens: number };
    return { input: e.inputTokens, total: e.inputTokens + e.outputTokens };
  }

  it('500 concurrent requests from 20 agents: every reservation settled, admitted tokens within the bound', async () => {
    const rnd = prng(42);
    const sent: Sent[] = [];
    const plan = Array.from({ length: REQUESTS }, (_, i) => {
      const stream = rnd() < 0.5;
      const roll = rnd();
      const fault = roll < 0.08 ? ('error' as const) : roll < 0.14 ? ('reset' as const) : undefined;
      const abortAfter = rnd() < 0.1 ? Math.floor(rnd() * 40) : undefined;
      const priority = PRIORITIES[Math.floor(rnd() * 4)]!;
      sent.push({ agent: `agent-${i % AGENTS}`, body: bodyOf(i, stream), fault, clientAborted: false });
      return { abortAfter, priority };
    });
    const costs = await Promise.all(sent.map((s) => reservation(s.body)));
    mock.clearRequests();

    const started = Date.now();
    const startViews = new Map(Array.from({ length: AGENTS }, (_, i) => [`agent-${i}`, app.admission.view(`agent-${i}`)]));
    const outcomes = await Promise.all(
      sent.map(async (s, i) => {
        const { abortAfter, priority } = plan[i]!;
        const controller = new AbortController();
        if (abortAfter !== undefined) {
          setTimeout(() => {
            s.clientAborted = true;
            controller.abort();
          }, abortAfter);
        }
        const behaviour = s.fault === 'error' ? 'fault=error' : s.fault === 'reset' ? 'fault=reset,resetAfterChunks=1' : undefined;
        try {
          const r = await request(`${app.url}/v1/chat/completions`, {
            method: 'POST',
            signal: controller.signal,
            headers: {
              'content-type': 'application/json',
              'x-token-ninja-agent': s.agent,
              'x-token-ninja-priority': priority,
              ...(behaviour ? { 'x-mock-behaviour': behaviour } : {}),
            },
            body: JSON.stringify(s.body),
          });
          await r.body.text();
          return r.statusCode;
        } catch {
          return 0;
        }
      }),
    );
    // Let aborted and cut requests finish settling.
    for (let i = 0; i < 100 && app.admission.stats().ledger.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));

    const stats = app.admission.stats();
    // Nothing leaked: every reservation ended exactly once.
    expect(stats.ledger.inFlight).toBe(0);
    expect(stats.ledger.duplicateEndings).toBe(0);
    expect(stats.ledger.settled + stats.ledger.released).toBe(stats.ledger.reservations);
    expect(outcomes.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(outcomes.filter((s) => s === 429).length).toBeGreaterThan(0);

    // Which requests reached the provider, and what it reported for each: the mock's own record, not the proxy's.
    const upstream = new Map<number, (typeof mock.requests)[number]>();
    for (const recorded of mock.requests) {
      const content = /^request (\d+)$/.exec(String((recorded.json as { messages?: Array<{ content?: unknown }> } | undefined)?.messages?.[0]?.content));
      if (content?.[1] !== undefined) upstream.set(Number(content[1]), recorded);
    }
    expect(upstream.size).toBeGreaterThan(0);

    // The README's bound, per agent over the run, every term from outside the proxy's accounting:
    //   tokens admitted (reservations of the requests that reached the provider, at the estimate endpoint's cost)
    //   ≤ starting balance + allocation rate × elapsed + refunds + one request + its burst draws,
    // elapsed running on the test's clock until the provider received the agent's last request (admission precedes it),
    // where a refund is the reservation minus the least the README says is charged: the provider's reported usage
    // when its reply was complete; nothing for a provider error; the input estimate when the reply was cut or the
    // client left (the proxy charges that plus the output it counted). A request admitted but never forwarded is
    // released whole, so it drops out of both sides. An undercharge now shows up as admissions over the bound.
    const ratePerMs = BASELINE_PER_MINUTE / 60_000;
    const capacity = (BASELINE_PER_MINUTE * TICK_SECONDS) / 60;
    const draws = app.admission.burstPool.draws();
    for (let a = 0; a < AGENTS; a++) {
      const agent = `agent-${a}`;
      let admitted = 0;
      let refunds = 0;
      let largest = 0;
      let last = started;
      for (const [i, recorded] of upstream) {
        const s = sent[i]!;
        if (s.agent !== agent) continue;
        const cost = costs[i]!;
        const usage = reportedChatUsage(mock, recorded);
        const truth = usage === undefined ? undefined : usage.input + usage.output;
        const charged = s.fault === 'error' ? 0 : truth === undefined ? cost.input : s.clientAborted ? Math.min(truth, cost.input) : truth;
        admitted += cost.total;
        refunds += Math.max(0, cost.total - charged);
        largest = Math.max(largest, cost.total);
        last = Math.max(last, recorded.receivedAt);
      }
      const start = startViews.get(agent)!.balance;
      expect(start, `${agent}: a bucket holds at most one tick's allocation`).toBeLessThanOrEqual(capacity);
      const burst = draws.get(agent)?.tokens ?? 0;
      const bound = Math.max(0, start) + ratePerMs * (last - started) + refunds + largest + burst;
      expect(admitted, `${agent}: admitted ${admitted} over bound ${bound}`).toBeLessThanOrEqual(bound);
    }
  });
});
