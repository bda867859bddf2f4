import type { Metrics } from '../../src/telemetry/metrics.js';

/** Record a realistic mix of everything a proxy that has served traffic would have recorded. */
export function recordRealisticTraffic(metrics: Metrics): void {
  const agents = ['planner', 'coder', 'reviewer', 'anonymous'];
  agents.forEach((agent, i) => {
    metrics.recordTokens(agent, 'openai', 'gpt-4o-mini', 'input', 1200 + i);
    metrics.recordTokens(agent, 'openai', 'gpt-4o-mini', 'output', 300 + i);
    metrics.recordTokens(agent, 'anthropic', 'claude-sonnet-4-5', 'input', 900);
    metrics.recordTokens(agent, 'anthropic', 'claude-sonnet-4-5', 'output', 210);
    metrics.recordRequest(agent, '/v1/chat/completions', 'forwarded');
    metrics.recordRequest(agent, '/v1/messages', 'queued');
    metrics.recordRequest(agent, '/v1/responses', 'burst');
    metrics.recordRequest(agent, '/v1/embeddings', 'rejected');
    metrics.recordRequest(agent, '/v1/completions', 'upstream_error');
    metrics.recordRequest(agent, '/v1/chat/completions', 'client_closed');
    metrics.recordTaskCompleted(agent);
    metrics.recordBurstDraw(agent);
    metrics.recordWouldBe(agent, 'rejected');
    metrics.recordCost(agent, 'gpt-4o-mini', 0.00036 + i / 1e6);
  });
  metrics.setAllocationTable([
    { agent: 'planner', allocation: 250_000, score: 1.4, priorityWeight: 2, forecast: 200_000 },
    { agent: 'coder', allocation: 150_000, score: 0.8, priorityWeight: 1, forecast: 180_000 },
    { agent: 'reviewer', allocation: 50_000, score: null, priorityWeight: 1, forecast: 20_000 },
  ]);
  metrics.setRemaining([
    { agent: 'planner', remaining: 12_000 },
    { agent: 'coder', remaining: -300 },
  ]);
  metrics.setBurstPool({ available: 40_000, capacity: 50_000 });
  metrics.setLiveSources({ queueDepth: () => 3 });
  metrics.recordDemandRetry('coder');
  metrics.recordUnpriced('in-house-llm');
  for (const s of [0.02, 0.4, 3, 29]) metrics.observeQueueWait(s);
  metrics.observeReallocation(0.004);
  metrics.observeReallocation(0.0007);
  metrics.observeUpstream('openai', 1.2);
  metrics.observeUpstream('anthropic', 7.5);
  for (const s of [0.00008, 0.0002, 0.0009, 0.003]) metrics.observeOverhead(s);
  metrics.observeEstimateError(1100, 1000);
  metrics.observeEstimateError(800, 1000);
  metrics.setStoreUp(false);
  metrics.recordStoreError();
  metrics.recordMalformedSse(2);
}
