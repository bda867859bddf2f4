import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../e2e/harness.js';
import { promtool } from './promtool.js';
import { dashboardExprs } from './dashboard-exprs.js';

const DASHBOARD = new URL('../../deploy/grafana/dashboards/token-ninja.json', import.meta.url);


/** Label names per series name in a text exposition, from the samples actually exported. */
function labelsBySeries(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m?.[1]) continue;
    const names = out.get(m[1]) ?? new Set<string>();
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) names.add(pair[1]!);
    out.set(m[1], names);
  }
  return out;
}

const scrape = async (stack: Stack) => {
  const r = await request(`${stack.app.adminUrl}/metrics`);
  expect(r.statusCode).toBe(200);
  return r.body.text();
};

/** Real traffic through the proxy with the official SDKs: JSON and streams in both formats, a 429, a task report. */
async function drive(stack: Stack): Promise<void> {
  const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${stack.app.url}/agents/planner/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${stack.app.url}/agents/writer`, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] });
  const chunks = await openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'stream' }] });
  for await (const _chunk of chunks) void _chunk;
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] });
  const events = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'stream' }] });
  await events.finalMessage();
  // An answer of 5,000 tokens puts greedy's bucket (3,000 a tick) in debt; then a normal request is refused with a
  // 429 and a critical one is served from the burst buffer (observe mode: the refusal is a would-be decision).
  const greedy = new OpenAI({ apiKey: 'sk-test', baseURL: `${stack.app.url}/agents/greedy/v1`, maxRetries: 0 });
  const small = { model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user' as const, content: 'more' }] };
  await greedy.chat.completions.create(
    { model: 'gpt-4o-mini', max_tokens: 5000, messages: [{ role: 'user', content: 'a lot' }] },
    { headers: { 'x-mock-behaviour': 'outputTokens=5000' } },
  );
  const refused = await greedy.chat.completions.create(small).then(
    () => 200,
    (err: unknown) => (err instanceof OpenAI.APIError ? err.status : -1),
  );
  expect(refused).toBe(stack.app.config.mode === 'enforce' ? 429 : 200);
  const critical = await greedy.chat.completions.create(small, { headers: { 'x-token-ninja-priority': 'critical' } }).withResponse();
  expect(critical.response.headers.get('x-token-ninja-source')).toBe('burst');
  const task = await request(`${stack.app.url}/token-ninja/v1/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'planner' },
    body: JSON.stringify({ task: 't-1', completed: true, quality: 0.9 }),
  });
  expect(task.statusCode).toBe(202);
  await task.body.text();
  const reallocate = await request(`${stack.app.adminUrl}/v1/reallocate`, { method: 'POST' });
  expect(reallocate.statusCode).toBe(200);
  await reallocate.body.text();
}

describe('the live /metrics of a proxy that served real traffic', () => {
  const stacks: Stack[] = [];
  const texts: string[] = [];
  beforeAll(async () => {
    for (const mode of ['enforce', 'observe'] as const) {
      const stack = await startStack({
        config: {
          mode,
          logLevel: 'silent',
          baseline: { tokensPerMinute: 6000 },
          burst: { minPriority: 'critical' },
          // Claims above `high` are capped by default: let agents claim critical, so one draws on the burst buffer.
          priority: { ceilings: { '*': 'critical' } },
          queue: { maxWaitMs: 50 },
          // Out of calibration at once, so the productivity gauge has series.
          calibration: { minTasks: 1, minTokens: 1, minSeconds: 0 },
        },
      });
      stacks.push(stack);
      await drive(stack);
      texts.push(await scrape(stack));
    }
  }, 60_000);
  afterAll(async () => {
    for (const s of stacks) await s.close();
  });

  it('passes promtool check metrics, scraped over HTTP', () => {
    for (const text of texts) {
      const result = promtool(['check', 'metrics'], text);
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it('the Grafana dashboard uses, for each metric, only label names its live series have', () => {
    const live = new Map<string, Set<string>>();
    for (const text of texts) {
      for (const [series, names] of labelsBySeries(text)) live.set(series, new Set([...(live.get(series) ?? []), ...names]));
    }
    const dashboard: unknown = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    for (const expr of dashboardExprs(dashboard)) {
      const metrics = [...expr.matchAll(/\b(token_ninja_[a-z0-9_]+)\s*(\{[^}]*\})?/g)];
      expect(metrics.length, expr).toBeGreaterThan(0);
      const labelsOfExpr = new Set<string>();
      for (const [, metric, selector] of metrics) {
        const names = live.get(metric!);
        expect(names, `${metric} has no live series (${expr})`).toBeDefined();
        for (const n of names ?? []) labelsOfExpr.add(n);
        // A matcher names a label of the very series it selects.
        for (const [, label] of (selector ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
          expect(names?.has(label!), `${metric}{${label}} in ${expr}`).toBe(true);
        }
      }
      // Grouping labels must exist on a series the expression aggregates.
      for (const [, list] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
        for (const label of list!.split(',').map((l) => l.trim()).filter((l) => l !== '')) {
          expect(labelsOfExpr.has(label), `by (${label}) in ${expr}`).toBe(true);
        }
      }
    }
  });
});
