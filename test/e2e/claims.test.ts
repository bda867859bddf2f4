import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyApp } from '../../src/app/proxy-app.js';
import { startMockProvider } from '../../src/mock/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../store/temp-dir.js';
import { configFor, nameAgents, startStack, type Stack } from './harness.js';
import { json, postJson, raw } from './http.js';

interface Row {
  agent: string;
  allocation: number;
  score: number | null;
  calibrating: boolean;
}

interface AgentBody {
  explanation?: { inputs: Record<string, unknown> };
  policy?: { ceiling: string; ceilingSource: string; criticality?: string; criticalitySource?: string; runtime?: { ceiling?: string; criticality?: string } };
}

function client(stack: { app: { url: string } }, agent: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${stack.app.url}/agents/${agent}/v1`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: headers });
}

async function chat(c: OpenAI, i: number): Promise<void> {
  await c.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: `task ${i}: summarise the incident report` }] });
}

async function reportTask(stack: Stack, agent: string, task: string, quality: number): Promise<void> {
  const r = await postJson(`${stack.app.url}/token-ninja/v1/tasks`, { task, completed: true, quality }, { 'x-token-ninja-agent': agent });
  expect(r.status).toBe(202);
}

/** Polls `read` until `done` holds or `ms` pass (no sleeps as synchronisation: each round reads the state). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!done(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

async function claimsMetric(adminUrl: string, agent: string, cls: string, outcome: string): Promise<number> {
  const text = (await raw(`${adminUrl}/metrics`)).body.toString('utf8');
  const line = text.split('\n').find((l) => l.startsWith(`token_ninja_priority_claims_total{agent="${agent}",class="${cls}",outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('calibration on evidence, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      config: {
        // Scarce: three agents ask about 1,240 tokens a tick of 800, so shares, not caps, decide.
        tokensPerMinute: 24_000,
        reallocateSeconds: 2,
        calibration: { minTasks: 3, minTokens: 1000, minSeconds: 4 },
        queue: { maxWaitMs: 10_000, maxDepth: 1000 },
        logLevel: 'warn',
      },
      behaviour: { outputTokens: 100 },
    });
  });
  afterAll(async () => stack.close());

  it('past minTokens and minSeconds, a silent agent gets no more than one that reports poor work', async () => {
    const agents = { good: client(stack, 'good'), poor: client(stack, 'poor'), silent: client(stack, 'silent') };
    // Named by a table first: a tick's newcomer reserve (200 tokens here) pays for one first request, not three.
    await nameAgents(stack.app, Object.keys(agents));
    // Ten requests each (about 1,150 tokens); good reports every task well, poor reports three badly, silent nothing.
    for (let i = 0; i < 10; i++) {
      await Promise.all([chat(agents.good, i), chat(agents.poor, i), chat(agents.silent, i)]);
      await reportTask(stack, 'good', `g${i}`, 1);
      if (i < 3) await reportTask(stack, 'poor', `p${i}`, 0.2);
    }
    const rows = await until(
      async () => (json(await raw(`${stack.app.adminUrl}/v1/allocations`)) as { agents: Row[] }).agents,
      (r) => ['poor', 'silent'].every((a) => r.find((x) => x.agent === a)?.calibrating === false),
      15_000,
    );
    const poor = rows.find((r) => r.agent === 'poor');
    const silent = rows.find((r) => r.agent === 'silent');
    expect(silent?.calibrating).toBe(false);
    expect(poor?.calibrating).toBe(false);
    // Scored on evidence: silence is scored 0, below poor work, and never gets more tokens for it. When the
    // pool covers every forecast both are capped at their own demand, which differs by a request's timing:
    // within 1% of poor's allocation is "no more" (a silent agent on the baseline got 5–7× more before).
    expect(silent?.score).toBe(0);
    expect(poor?.score ?? 0).toBeGreaterThan(0);
    expect(silent?.allocation).toBeLessThanOrEqual((poor?.allocation ?? -1) * 1.01);
    const view = json(await raw(`${stack.app.adminUrl}/v1/agents/silent`)) as AgentBody;
    expect(view.explanation?.inputs).toMatchObject({ 'productivity.productivity': 0, 'calibration.provisional': true, 'calibration.calibrating': false });
  });
});

describe('capped priority claims, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      config: { tokensPerMinute: 600_000, reallocateSeconds: 30, priority: { taskTypes: { 'incident-response': 'critical' } }, logLevel: 'warn' },
      behaviour: { outputTokens: 20 },
    });
  });
  afterAll(async () => stack.close());

  it('a task-type claim of critical under the default ceiling is capped to high: metric, explanation, weight', async () => {
    await chat(client(stack, 'oncall', { 'x-token-ninja-task-type': 'incident-response' }), 0);
    expect(await claimsMetric(stack.app.adminUrl, 'oncall', 'critical', 'capped')).toBe(1);
    expect(await claimsMetric(stack.app.adminUrl, 'oncall', 'critical', 'granted')).toBe(0);
    expect((await raw(`${stack.app.adminUrl}/v1/reallocate`, { method: 'POST' })).status).toBe(200);
    const view = json(await raw(`${stack.app.adminUrl}/v1/agents/oncall`)) as AgentBody;
    expect(view.explanation?.inputs).toMatchObject({
      'priority.taskType': 'incident-response',
      'priority.taskTypeClass': 'critical',
      'priority.requestedClass': null,
      'priority.class': 'high',
      'priority.ceiling': 'high',
      'priority.ceilingApplied': true,
      'priority.priorityWeight': 2,
    });
    expect(view.policy).toEqual({ ceiling: 'high', ceilingSource: 'config.priority.ceilings' });
  });

  it('an operator raising the ceiling at runtime grants the claim on the request path and in the engine', async () => {
    const put = await raw(`${stack.app.adminUrl}/v1/agents/pager/policy`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ceiling: 'critical' }) });
    expect(put.status).toBe(200);
    expect(json(put)).toMatchObject({ ceiling: 'critical', ceilingSource: 'runtime' });
    await chat(client(stack, 'pager', { 'x-token-ninja-priority': 'critical' }), 0);
    expect(await claimsMetric(stack.app.adminUrl, 'pager', 'critical', 'granted')).toBe(1);
    await raw(`${stack.app.adminUrl}/v1/reallocate`, { method: 'POST' });
    const view = json(await raw(`${stack.app.adminUrl}/v1/agents/pager`)) as AgentBody;
    expect(view.explanation?.inputs).toMatchObject({ 'priority.class': 'critical', 'priority.requestedClass': 'critical', 'priority.ceilingApplied': false });
  });
});

describe('runtime agent policy on SQLite', () => {
  const dir = tempDir('agent-policy');
  afterAll(() => dir.remove());

  it('PUT /v1/agents/{id}/policy is persisted: it survives a restart and shows in GET /v1/agents/{id}', async () => {
    const mock = await startMockProvider({ behaviour: { seed: 'fixed', outputTokens: 20 } });
    const config = configFor(mock.url, { store: `sqlite:${join(dir.path, 'tn.db')}`, logLevel: 'silent', agents: { planner: { ceiling: 'normal' } } });
    const start = () => startProxyApp(config, { logger: createLogger({ level: 'silent' }) });
    try {
      let app = await start();
      const before = json(await raw(`${app.adminUrl}/v1/agents/planner`)) as { error?: unknown };
      expect(before.error).toBeDefined();
      const put = await raw(`${app.adminUrl}/v1/agents/planner/policy`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ criticality: 'high', ceiling: 'critical' }) });
      expect(put.status).toBe(200);
      await app.stop(2000);

      app = await start();
      try {
        const view = json(await raw(`${app.adminUrl}/v1/agents/planner`)) as AgentBody;
        expect(view.policy).toMatchObject({ ceiling: 'critical', ceilingSource: 'runtime', criticality: 'high', criticalitySource: 'runtime', runtime: { ceiling: 'critical', criticality: 'high' } });
        // Cleared: the config's ceiling for the agent applies again.
        expect((await raw(`${app.adminUrl}/v1/agents/planner/policy`, { method: 'DELETE' })).status).toBe(204);
        await chat(client({ app }, 'planner'), 0);
        const cleared = json(await raw(`${app.adminUrl}/v1/agents/planner`)) as AgentBody;
        expect(cleared.policy).toEqual({ ceiling: 'normal', ceilingSource: 'config.agents' });
      } finally {
        await app.stop(2000);
      }
    } finally {
      await mock.close();
    }
  });
});
