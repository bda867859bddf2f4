import { describe, expect, it } from 'vitest';
import { HISTOGRAM_NAMES, METRIC_NAMES, METRIC_PREFIX, Metrics } from '../../src/telemetry/metrics.js';
import { promtool } from './promtool.js';
import { recordRealisticTraffic } from './realistic-traffic.js';

/** Parse the value of one series from the exposition text; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Label values of `label` across all series of `metric`. */
function labelValues(text: string, metric: string, label: string): Set<string> {
  const values = new Set<string>();
  const re = new RegExp(`${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const m = re.exec(line);
    if (m?.[1] !== undefined) values.add(m[1]);
  }
  return values;
}

describe('Metrics', () => {
  it('exports every DESIGN §5 metric with its label names', async () => {
    const m = new Metrics({ version: '1.2.3', defaultMetrics: false });
    recordRealisticTraffic(m);
    const text = await m.exposition();
    for (const name of METRIC_NAMES) expect(text, name).toContain(`# TYPE ${name} `);
    for (const name of HISTOGRAM_NAMES) expect(text, name).toContain(`# TYPE ${name} histogram`);
    expect(text).toContain(
      'token_ninja_tokens_total{agent="planner",team="default",provider="openai",model="gpt-4o-mini",kind="input"} 1200',
    );
    expect(text).toContain(
      'token_ninja_requests_total{agent="coder",team="default",route="/v1/messages",outcome="queued"} 1',
    );
    expect(sample(text, 'token_ninja_allocation_tokens{agent="planner",team="default"}')).toBe(250_000);
    expect(sample(text, 'token_ninja_remaining_tokens{agent="coder",team="default"}')).toBe(-300);
    expect(sample(text, 'token_ninja_productivity_score{agent="planner",team="default"}')).toBe(1.4);
    // A calibrating agent (score null) has no productivity series rather than a fake 0.
    expect(sample(text, 'token_ninja_productivity_score{agent="reviewer",team="default"}')).toBeUndefined();
    expect(sample(text, 'token_ninja_demand_forecast_tokens{agent="coder",team="default"}')).toBe(180_000);
    expect(sample(text, 'token_ninja_priority_weight{agent="planner",team="default"}')).toBe(2);
    expect(sample(text, 'token_ninja_burst_pool_tokens{state="available"}')).toBe(40_000);
    expect(sample(text, 'token_ninja_burst_pool_tokens{state="capacity"}')).toBe(50_000);
    expect(sample(text, 'token_ninja_queue_depth')).toBe(3);
    expect(sample(text, 'token_ninja_queue_wait_seconds_count')).toBe(4);
    expect(sample(text, 'token_ninja_reallocations_total')).toBe(2);
    expect(sample(text, 'token_ninja_reallocation_duration_seconds_count')).toBe(2);
    expect(sample(text, 'token_ninja_upstream_duration_seconds_count{provider="anthropic"}')).toBe(1);
    expect(sample(text, 'token_ninja_proxy_overhead_seconds_bucket{le="0.0001"}')).toBe(1);
    expect(sample(text, 'token_ninja_estimate_error_ratio_sum')).toBeCloseTo(1.9);
    expect(sample(text, 'token_ninja_tasks_completed_total{agent="planner",team="default"}')).toBe(1);
    expect(sample(text, 'token_ninja_burst_draws_total{agent="coder"}')).toBe(1);
    expect(sample(text, 'token_ninja_store_up')).toBe(0);
    expect(sample(text, 'token_ninja_store_errors_total')).toBe(1);
    expect(sample(text, 'token_ninja_sse_malformed_events_total')).toBe(2);
    expect(sample(text, 'token_ninja_would_be_decisions_total{agent="planner",decision="rejected"}')).toBe(1);
    expect(sample(text, 'token_ninja_build_info{version="1.2.3"}')).toBe(1);
    expect(sample(text, 'token_ninja_cost_usd_total{agent="planner",team="default",model="gpt-4o-mini"}')).toBeCloseTo(0.00036, 12);
    expect(sample(text, 'token_ninja_unpriced_requests_total{model="in-house-llm"}')).toBe(1);
  });

  it('includes process and event-loop metrics by default, under the prefix', async () => {
    const text = await new Metrics().exposition();
    expect(text).toContain('# TYPE token_ninja_process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE token_ninja_nodejs_eventloop_lag_seconds gauge');
    expect(text).not.toContain('nodejs_active_handles_total');
  });

  it('keeps instances independent (own registry each)', async () => {
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.recordTaskCompleted('x');
    expect(await a.exposition()).toContain('token_ninja_tasks_completed_total{agent="x",team="default"} 1');
    expect(await b.exposition()).not.toContain('agent="x"');
  });

  it('replaces the allocation table: agents gone from it disappear', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.setAllocationTable([{ agent: 'a', allocation: 1, score: 1, priorityWeight: 1, forecast: 1 }]);
    m.setAllocationTable([{ agent: 'b', allocation: 2, score: 1, priorityWeight: 1, forecast: 1 }]);
    const text = await m.exposition();
    expect(text).not.toContain('token_ninja_allocation_tokens{agent="a",team="default"}');
    expect(sample(text, 'token_ninja_allocation_tokens{agent="b",team="default"}')).toBe(2);
  });

  it('reads bucket balances from a source at scrape time', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let balance = 10;
    m.setLiveSources({ remaining: () => [{ agent: 'a', remaining: balance }] });
    expect(sample(await m.exposition(), 'token_ninja_remaining_tokens{agent="a",team="default"}')).toBe(10);
    balance = 7;
    expect(sample(await m.exposition(), 'token_ninja_remaining_tokens{agent="a",team="default"}')).toBe(7);
  });

  it('never lets an unchecked string become a label', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.recordRequest('bad agent"}\n', '/v1/chat/completions?x=1', 'forwarded');
    m.recordRequest('ok', '/secret/path/123', 'forwarded');
    m.recordTokens('ok', 'mystery' as 'openai', 'gpt 4"\n{evil}', 'input', 5);
    m.recordTokens('ok', 'openai', 'gpt-4o', 'output', 0); // zero: nothing recorded
    const text = await m.exposition();
    expect(text).toContain('token_ninja_requests_total{agent="other",team="default",route="other",outcome="forwarded"} 1');
    expect(text).toContain('token_ninja_requests_total{agent="ok",team="default",route="other",outcome="forwarded"} 1');
    expect(text).toContain('provider="other",model="gpt_4___evil_",kind="input"} 5');
    expect(text).not.toContain('kind="output"');
  });

  it('folds agents past maxAgentLabels into other, summing amounts and averaging rates', async () => {
    const m = new Metrics({ maxAgentLabels: 1, defaultMetrics: false });
    m.setAllocationTable([
      { agent: 'a', allocation: 10, score: 1, priorityWeight: 1, forecast: 5 },
      { agent: 'b', allocation: 20, score: 2, priorityWeight: 4, forecast: 6 },
      { agent: 'c', allocation: 30, score: 4, priorityWeight: 2, forecast: 7 },
    ]);
    const text = await m.exposition();
    expect(sample(text, 'token_ninja_allocation_tokens{agent="a",team="default"}')).toBe(10);
    expect(sample(text, 'token_ninja_allocation_tokens{agent="other",team="default"}')).toBe(50);
    expect(sample(text, 'token_ninja_demand_forecast_tokens{agent="other",team="default"}')).toBe(13);
    expect(sample(text, 'token_ninja_productivity_score{agent="other",team="default"}')).toBe(3);
    expect(sample(text, 'token_ninja_priority_weight{agent="other",team="default"}')).toBe(3);
  });

  it('labels every per-agent series with its team; agents folded into other stay apart by team', async () => {
    const teamOf = (agent: string) => (agent.startsWith('web-') ? 'search' : 'default');
    const m = new Metrics({ maxAgentLabels: 2, defaultMetrics: false, teamOf });
    m.setAllocationTable([
      { agent: 'web-1', allocation: 10, score: 1, priorityWeight: 1, forecast: 5 },
      { agent: 'batch', allocation: 20, score: 1, priorityWeight: 1, forecast: 6 },
      { agent: 'web-2', allocation: 30, score: 1, priorityWeight: 1, forecast: 7 },
      { agent: 'job', allocation: 40, score: 1, priorityWeight: 1, forecast: 8 },
      // The table's own team wins over the resolver's.
      { agent: 'moved', team: 'search', allocation: 1, score: 1, priorityWeight: 1, forecast: 1 },
    ]);
    m.setLiveSources({ remaining: () => [{ agent: 'web-1', remaining: 3 }] });
    m.recordTokens('web-1', 'openai', 'gpt-4o', 'input', 5);
    m.recordRequest('web-1', '/v1/chat/completions', 'forwarded');
    m.recordTaskCompleted('web-1');
    const text = await m.exposition();
    expect(sample(text, 'token_ninja_allocation_tokens{agent="web-1",team="search"}')).toBe(10);
    expect(sample(text, 'token_ninja_allocation_tokens{agent="batch",team="default"}')).toBe(20);
    expect(sample(text, 'token_ninja_allocation_tokens{agent="other",team="search"}')).toBe(31);
    expect(sample(text, 'token_ninja_allocation_tokens{agent="other",team="default"}')).toBe(40);
    expect(sample(text, 'token_ninja_remaining_tokens{agent="web-1",team="search"}')).toBe(3);
    expect(sample(text, 'token_ninja_tokens_total{agent="web-1",team="search",provider="openai",model="gpt-4o",kind="input"}')).toBe(5);
    expect(sample(text, 'token_ninja_requests_total{agent="web-1",team="search",route="/v1/chat/completions",outcome="forwarded"}')).toBe(1);
    expect(sample(text, 'token_ninja_tasks_completed_total{agent="web-1",team="search"}')).toBe(1);
  });

  it('bounds the team label like the agent label', async () => {
    const m = new Metrics({ maxAgentLabels: 2, defaultMetrics: false, teamOf: (agent) => `t${agent}` });
    m.setAllocationTable(Array.from({ length: 50 }, (_, i) => ({ agent: String(i), allocation: 1, score: 1, priorityWeight: 1, forecast: 1 })));
    expect(labelValues(await m.exposition(), 'token_ninja_allocation_tokens', 'team')).toEqual(new Set(['t0', 't1', 'other']));
  });

  it('an agent moved to another team (a reload) counts under its new team from the next request on, cost included', async () => {
    let team = 'search';
    const m = new Metrics({ defaultMetrics: false, teamOf: () => team });
    const once = () => {
      m.recordTokens('web-1', 'openai', 'gpt-4o', 'input', 5);
      m.recordRequest('web-1', '/v1/chat/completions', 'forwarded');
      m.recordCost('web-1', 'gpt-4o', 0.5);
    };
    once();
    team = 'research';
    once();
    const text = await m.exposition();
    for (const t of ['search', 'research']) {
      expect(sample(text, `token_ninja_tokens_total{agent="web-1",team="${t}",provider="openai",model="gpt-4o",kind="input"}`)).toBe(5);
      expect(sample(text, `token_ninja_requests_total{agent="web-1",team="${t}",route="/v1/chat/completions",outcome="forwarded"}`)).toBe(1);
      expect(sample(text, `token_ninja_cost_usd_total{agent="web-1",team="${t}",model="gpt-4o"}`)).toBe(0.5);
    }
  });

  it('bounds the cost metric\'s agent and team labels like the others', async () => {
    const m = new Metrics({ maxAgentLabels: 2, defaultMetrics: false, teamOf: (agent) => `t${agent}` });
    for (let i = 0; i < 50; i++) m.recordCost(String(i), 'gpt-4o', 0.01);
    const text = await m.exposition();
    expect(labelValues(text, 'token_ninja_cost_usd_total', 'agent')).toEqual(new Set(['0', '1', 'other']));
    expect(labelValues(text, 'token_ninja_cost_usd_total', 'team')).toEqual(new Set(['t0', 't1', 'other']));
  });

  it('bounds the agent label: 10,000 distinct agents give at most maxAgentLabels + 1 values', async () => {
    const maxAgentLabels = 1000;
    const m = new Metrics({ maxAgentLabels, defaultMetrics: false });
    for (let i = 0; i < 10_000; i++) {
      const agent = `agent-${i}`;
      m.recordRequest(agent, '/v1/messages', 'forwarded');
      m.recordTokens(agent, 'anthropic', 'claude-haiku-4-5', 'input', 10);
      m.recordTaskCompleted(agent);
    }
    const text = await m.exposition();
    for (const metric of [
      'token_ninja_requests_total',
      'token_ninja_tokens_total',
      'token_ninja_tasks_completed_total',
    ]) {
      const values = labelValues(text, metric, 'agent');
      expect(values.size, metric).toBe(maxAgentLabels + 1);
      expect(values.has('other')).toBe(true);
    }
    // Nothing is lost: the folded agents are counted under `other`.
    expect(sample(text, 'token_ninja_tasks_completed_total{agent="other",team="default"}')).toBe(9_000);
    expect(sample(text, 'token_ninja_tasks_completed_total{agent="agent-0",team="default"}')).toBe(1);
  });

  it('bounds the model label', async () => {
    const m = new Metrics({ maxModelLabels: 200, defaultMetrics: false });
    for (let i = 0; i < 1000; i++) m.recordTokens('a', 'openai', `model-${i}`, 'input', 1);
    const values = labelValues(await m.exposition(), 'token_ninja_tokens_total', 'model');
    expect(values.size).toBe(201);
  });

  it('passes promtool check metrics after a realistic mix of traffic', async () => {
    const m = new Metrics();
    recordRealisticTraffic(m);
    const text = await m.exposition();
    expect(text.startsWith('# HELP')).toBe(true);
    const result = promtool(['check', 'metrics'], text);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
    // Everything exported, default runtime metrics included, carries the prefix (README: "all under the prefix").
    const exported = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    expect(exported.length).toBeGreaterThan(METRIC_NAMES.length);
    expect(exported.filter((n) => !n?.startsWith(METRIC_PREFIX))).toEqual([]);
  });
});

describe('Metrics.recordReconciliation', () => {
  it('records tokens by kind and the estimate ratio', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.recordReconciliation({
      agent: 'coder',
      provider: 'anthropic',
      route: '/v1/messages',
      model: 'claude-sonnet-4-5',
      estimatedInput: 900,
      estimatedOutput: 300,
      actualInput: 1000,
      cachedInput: 0,
      cacheWriteInput: 0,
      cacheWrite1hInput: 0,
      actualOutput: 200,
      reasoningOutput: 0,
      source: 'provider',
      charged: 1200,
      costUsd: 0.006,
      status: 200,
      durationMs: 800,
      at: 0,
    });
    const text = await m.exposition();
    expect(text).toContain('token_ninja_tokens_total{agent="coder",team="default",provider="anthropic",model="claude-sonnet-4-5",kind="input"} 1000');
    expect(text).toContain('kind="output"} 200');
    expect(text).toContain('token_ninja_estimate_error_ratio_sum 1\n');
    expect(text).toContain('token_ninja_estimate_error_ratio_count 1\n');
  });
});
