import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from './harness.js';
import { postJson } from './http.js';

/**
 * DESIGN §3/§8: an agent fixed by the deployment (sidecar, mapped API key) cannot be overridden by a header
 * or prefix: 403 agent_mismatch in the provider's shape, nothing forwarded, nothing counted for either agent.
 */

const PLANNER_KEY = 'sk-planner-virtual-1a2b';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
const messages = { model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user' as const, content: 'hi' }] };

/** Every trace an agent leaves: running usage/demand, first-seen, tasks, metric series. */
async function traces(stack: Stack, agent: string): Promise<string[]> {
  const found: string[] = [];
  const minute = Math.floor(Date.now() / 60_000);
  for (const m of [minute - 1, minute]) if (stack.app.accountant.usage.partialUsage(m).has(agent)) found.push(`usage in minute ${m}`);
  await stack.app.store.flush?.();
  if ((await stack.app.store.agents()).some((a) => a.agent === agent)) found.push('first-seen');
  if ((await stack.app.store.tasksSince(0)).some((t) => t.agent === agent)) found.push('task');
  const metrics = await stack.app.metrics.exposition();
  for (const line of metrics.split('\n')) if (line.includes(`agent="${agent}"`)) found.push(line);
  return found;
}

/** The error an SDK call rejects with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('sidecar (TOKEN_NINJA_AGENT=planner)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { agent: 'planner', apiKeys: [{ sha256: sha256(PLANNER_KEY), agent: 'planner' }] } });
  });
  afterAll(async () => stack.close());

  it('a header naming another agent: OpenAI SDK PermissionDeniedError agent_mismatch, nothing forwarded or counted', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: 'sk-agents-own', maxRetries: 0, defaultHeaders: { 'x-token-ninja-agent': 'writer' } });
    const err = await rejection(openai.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('agent_mismatch');
    const stream = await rejection(openai.chat.completions.create({ ...chat, stream: true }));
    expect(stream).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(stack.mock.requests).toHaveLength(0);
    expect(await traces(stack, 'writer')).toEqual([]);
    expect(await traces(stack, 'planner')).toEqual([]);
  });

  it('a path prefix naming another agent: 403 for both SDKs, nothing forwarded or counted', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/agents/writer/v1`, apiKey: 'sk-agents-own', maxRetries: 0 });
    const err = await rejection(openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('agent_mismatch');
    const anthropic = new Anthropic({ baseURL: `${stack.app.url}/agents/writer`, apiKey: 'sk-agents-own', maxRetries: 0 });
    const aerr = await rejection(anthropic.messages.create(messages));
    expect(aerr).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((aerr as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    // Unmetered pass-through routes too.
    await expect(openai.models.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(stack.mock.requests).toHaveLength(0);
    expect(await traces(stack, 'writer')).toEqual([]);
    expect(await traces(stack, 'planner')).toEqual([]);
  });

  it('a task report or estimate as another agent: 403, no task stored', async () => {
    const task = await postJson(`${stack.app.url}/token-ninja/v1/tasks`, { task: 't-1', completed: true }, { 'x-token-ninja-agent': 'writer' });
    expect(task.status).toBe(403);
    expect(JSON.parse(task.body.toString())).toMatchObject({ error: { code: 'agent_mismatch' } });
    const viaPath = await postJson(`${stack.app.url}/agents/writer/token-ninja/v1/tasks`, { task: 't-2', completed: true });
    expect(viaPath.status).toBe(403);
    const estimate = await postJson(`${stack.app.url}/token-ninja/v1/estimate`, { route: '/v1/chat/completions', body: chat }, { 'x-token-ninja-agent': 'writer' });
    expect(estimate.status).toBe(403);
    expect(await stack.app.store.tasksSince(0)).toEqual([]);
    expect(await traces(stack, 'writer')).toEqual([]);
  });

  it('a WebSocket upgrade naming another agent is refused with 403 before any upstream connection', async () => {
    const wsUrl = stack.app.url.replace(/^http/, 'ws');
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${wsUrl}/v1/realtime`, { headers: { 'x-token-ninja-agent': 'writer' } });
      ws.once('open', () => reject(new Error('upgrade was accepted')));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', reject);
    });
    expect(status).toBe(403);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('a mapped key of the sidecar’s own agent is fine; naming the same agent is fine', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/agents/planner/v1`, apiKey: PLANNER_KEY, maxRetries: 0, defaultHeaders: { 'x-token-ninja-agent': 'planner' } });
    const { response } = await openai.chat.completions.create(chat).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-token-ninja-agent')).toBe('planner');
    const task = await postJson(`${stack.app.url}/token-ninja/v1/tasks`, { task: 't-3', completed: true }, { 'x-token-ninja-agent': 'planner' });
    expect(task.status).toBe(202);
    expect((await stack.app.store.tasksSince(0)).map((t) => t.agent)).toEqual(['planner']);
    expect(stack.mock.requests).toHaveLength(1);
    // The same probe that found nothing above sees the agent that was served.
    expect(await traces(stack, 'planner')).not.toEqual([]);
  });
});

describe('sidecar and a mapped key of another agent', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { agent: 'planner', apiKeys: [{ sha256: sha256('sk-writer-virtual'), agent: 'writer' }] } });
  });
  afterAll(async () => stack.close());

  it('the sidecar wins and the mismatch is a 403', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: 'sk-writer-virtual', maxRetries: 0 });
    const err = await rejection(openai.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('agent_mismatch');
    expect(stack.mock.requests).toHaveLength(0);
    expect(await traces(stack, 'writer')).toEqual([]);
    expect(await traces(stack, 'planner')).toEqual([]);
  });
});

describe('gateway with a mapped key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { apiKeys: [{ sha256: sha256(PLANNER_KEY), agent: 'planner' }] } });
  });
  afterAll(async () => stack.close());

  it('the key fixes the agent: a header naming another is 403, nothing forwarded or counted', async () => {
    const openai = new OpenAI({ baseURL: `${stack.app.url}/v1`, apiKey: PLANNER_KEY, maxRetries: 0, defaultHeaders: { 'x-token-ninja-agent': 'writer' } });
    const err = await rejection(openai.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('agent_mismatch');
    const anthropic = new Anthropic({ baseURL: `${stack.app.url}/agents/writer`, apiKey: PLANNER_KEY, maxRetries: 0 });
    await expect(anthropic.messages.create(messages)).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    const task = await postJson(`${stack.app.url}/token-ninja/v1/tasks`, { task: 't-1', completed: true }, { authorization: `Bearer ${PLANNER_KEY}`, 'x-token-ninja-agent': 'writer' });
    expect(task.status).toBe(403);
    expect(stack.mock.requests).toHaveLength(0);
    expect(await traces(stack, 'writer')).toEqual([]);
    expect(await traces(stack, 'planner')).toEqual([]);
  });

  it('gateway mode without a mapped key is unchanged: header, then prefix, else anonymous', async () => {
    const viaHeader = await postJson(`${stack.app.url}/agents/pathagent/v1/chat/completions`, chat, { 'x-token-ninja-agent': 'hinted' });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.headers['x-token-ninja-agent']).toBe('hinted');
    const viaPath = await postJson(`${stack.app.url}/agents/pathagent/v1/chat/completions`, chat, { authorization: 'Bearer sk-unmapped' });
    expect(viaPath.headers['x-token-ninja-agent']).toBe('pathagent');
    const anonymous = await postJson(`${stack.app.url}/v1/chat/completions`, chat);
    expect(anonymous.headers['x-token-ninja-agent']).toBe('anonymous');
    const task = await postJson(`${stack.app.url}/token-ninja/v1/tasks`, { task: 't-9', completed: true }, { 'x-token-ninja-agent': 'writer' });
    expect(task.status).toBe(202);
    expect((await stack.app.store.tasksSince(0)).map((t) => t.agent)).toEqual(['writer']);
  });
});
