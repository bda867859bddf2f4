import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { tempDir } from '../store/temp-dir.js';
import { startStack, type Stack } from './harness.js';
import { json, postJson, raw } from './http.js';

/** DESIGN §3 / §8: an (agent, task) counts once, an evaluator's report replaces the agent's own quality. */
const TOKEN = 'admin-secret';
const auth = { authorization: `Bearer ${TOKEN}` };

function selfReport(stack: Stack, agent: string, body: Record<string, unknown>) {
  return postJson(`${stack.app.url}/token-ninja/v1/tasks`, body, { 'x-token-ninja-agent': agent });
}

function evaluatorReport(stack: Stack, body: Record<string, unknown>) {
  return postJson(`${stack.app.adminUrl}/v1/tasks`, body, auth);
}

async function completedCounter(stack: Stack, agent: string): Promise<number> {
  const text = (await raw(`${stack.app.adminUrl}/metrics`)).body.toString('utf8');
  const line = text.split('\n').find((l) => l.startsWith(`token_ninja_tasks_completed_total{agent="${agent}",team="default"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

function startOn(store: Store): Promise<Stack> {
  return startStack({ store, config: { adminToken: TOKEN, trustSelfReportedQuality: 1, logLevel: 'warn' } });
}

describe('task reports count once (memory store)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { adminToken: TOKEN, trustSelfReportedQuality: 1, logLevel: 'warn' } });
  });
  afterAll(async () => stack.close());

  it('answers a repeated self-report 202 {"duplicate": true} and counts the task once', async () => {
    const first = await selfReport(stack, 'coder', { task: 'fix-1', completed: true, quality: 0.9 });
    expect(first.status).toBe(202);
    expect(json(first)).toEqual({ accepted: true, agent: 'coder', task: 'fix-1', duplicate: false });
    for (let i = 0; i < 2; i++) {
      const again = await selfReport(stack, 'coder', { task: 'fix-1', completed: true, quality: 1 });
      expect(again.status).toBe(202);
      expect(json(again)).toEqual({ accepted: true, agent: 'coder', task: 'fix-1', duplicate: true });
    }
    expect(await completedCounter(stack, 'coder')).toBe(1);
    const stored = (await stack.app.store.tasksSince(0)).filter((t) => t.agent === 'coder');
    expect(stored.map(({ task, completed, quality }) => ({ task, completed, quality }))).toEqual([{ task: 'fix-1', completed: true, quality: 0.9 }]);
  });

  it('counts a task first reported not completed when it is completed, once', async () => {
    expect(json(await selfReport(stack, 'tester', { task: 'run-1', completed: false }))).toMatchObject({ duplicate: false });
    expect(json(await selfReport(stack, 'tester', { task: 'run-1', completed: true, quality: 0.5 }))).toMatchObject({ duplicate: false });
    expect(json(await selfReport(stack, 'tester', { task: 'run-1', completed: true }))).toMatchObject({ duplicate: true });
    expect(await completedCounter(stack, 'tester')).toBe(1);
  });

  it("lets an evaluator on the admin port replace the agent's own quality; its own repeat is a duplicate", async () => {
    await selfReport(stack, 'writer', { task: 'doc-1', completed: true, quality: 1 });
    const replaced = await evaluatorReport(stack, { agent: 'writer', task: 'doc-1', completed: true, quality: 0.3 });
    expect(replaced.status).toBe(202);
    expect(json(replaced)).toEqual({ accepted: true, duplicate: true, replaced: true });
    expect(json(await evaluatorReport(stack, { agent: 'writer', task: 'doc-1', completed: true, quality: 0.9 }))).toEqual({ accepted: true, duplicate: true, replaced: false });
    // The agent cannot take it back.
    expect(json(await selfReport(stack, 'writer', { task: 'doc-1', completed: true, quality: 1 }))).toMatchObject({ duplicate: true });
    const stored = (await stack.app.store.tasksSince(0)).filter((t) => t.agent === 'writer');
    expect(stored.map(({ quality, source }) => ({ quality, source }))).toEqual([{ quality: 0.3, source: 'evaluator' }]);
    expect(await completedCounter(stack, 'writer')).toBe(1);
  });
});

describe('task reports count once across a restart (SQLite)', () => {
  const dir = tempDir('task-reports');
  afterAll(() => dir.remove());

  it('answers a report repeated after a restart as a duplicate', async () => {
    const file = `sqlite:${join(dir.path, 'tn.db')}`;
    for (const expected of [false, true]) {
      const store = await openStore(file, { flushMs: 50 });
      const stack = await startOn(store);
      try {
        expect(json(await selfReport(stack, 'coder', { task: 'fix-1', completed: true }))).toMatchObject({ duplicate: expected });
        expect(json(await evaluatorReport(stack, { agent: 'coder', task: 'fix-1', completed: true, quality: 0.4 }))).toMatchObject({
          duplicate: true,
          replaced: !expected,
        });
      } finally {
        await stack.close();
        await store.close();
      }
    }
    const store = await openStore(file, { writeBehind: false });
    try {
      expect((await store.tasksSince(0)).map(({ task, quality, source }) => ({ task, quality, source }))).toEqual([{ task: 'fix-1', quality: 0.4, source: 'evaluator' }]);
    } finally {
      await store.close();
    }
  });
});

describe('task reports count once across a fleet (two proxies, one Redis)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  it('answers a report repeated on another proxy as a duplicate, and an evaluator on either wins', async () => {
    const keyPrefix = `t${randomBytes(4).toString('hex')}:`;
    const stores = [await openStore(redis.url, { flushMs: 50, redis: { keyPrefix } }), await openStore(redis.url, { flushMs: 50, redis: { keyPrefix } })];
    const [a, b] = [await startOn(stores[0] as Store), await startOn(stores[1] as Store)];
    try {
      // Concurrent reports of one task on both proxies: exactly one counts.
      const answers = await Promise.all([a, b, a, b].map((s) => selfReport(s, 'coder', { task: 'fix-1', completed: true, quality: 0.8 })));
      expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202]);
      expect(answers.filter((r) => (json(r) as { duplicate: boolean }).duplicate === false)).toHaveLength(1);
      expect((await completedCounter(a, 'coder')) + (await completedCounter(b, 'coder'))).toBe(1);
      expect(json(await evaluatorReport(b, { agent: 'coder', task: 'fix-1', completed: true, quality: 0.2 }))).toEqual({ accepted: true, duplicate: true, replaced: true });
      expect(json(await evaluatorReport(a, { agent: 'coder', task: 'fix-1', completed: true, quality: 0.7 }))).toEqual({ accepted: true, duplicate: true, replaced: false });
      for (const s of [a, b]) {
        expect((await s.app.store.tasksSince(0)).map(({ agent, task, quality, source }) => ({ agent, task, quality, source }))).toEqual([
          { agent: 'coder', task: 'fix-1', quality: 0.2, source: 'evaluator' },
        ]);
      }
    } finally {
      await a.close();
      await b.close();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
