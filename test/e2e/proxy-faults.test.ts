import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenNinjaError } from '../../src/errors/errors.js';
import { adapterFor } from '../../src/providers/registry.js';
import { StoreClosedError } from '../../src/store/store-errors.js';
import { startStack, type Stack } from './harness.js';
import { until } from './ports.js';

// An hour-long tick: no reallocation replaces the allocations the tests set.
const CONFIG = { reallocateSeconds: 3600, queue: { maxWaitMs: 30_000 } };

describe('failures named as what they are, and what each is charged', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: CONFIG });
  });
  afterAll(async () => {
    await stack.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const chat = (agent: string, content: string, extra: Record<string, string> = {}, signal?: AbortSignal, maxTokens = 20) =>
    request(`${stack.app.url}/agents/${agent}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...extra },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content }] }),
      ...(signal ? { signal } : {}),
    });

  const scrape = async (series: string): Promise<number> => {
    const text = await (await request(`${stack.app.adminUrl}/metrics`)).body.text();
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  };

  const logLine = (agent: string) => stack.logs.find((l) => l.msg === 'request' && l.agent === agent);

  it('a token-count failure is 400 token_count_failed, outcome error (not 502 upstream_unreachable)', async () => {
    vi.spyOn(adapterFor('openai'), 'estimateFromInput').mockImplementationOnce(() => {
      throw new TokenNinjaError('token_count_failed', 400, 'could not count tokens: injected');
    });
    const res = await chat('counting', 'count me');
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ error: { code: 'token_count_failed' } });
    await until('the request is logged', () => logLine('counting') !== undefined);
    expect(logLine('counting')).toMatchObject({ outcome: 'error', code: 'token_count_failed' });
    expect(await scrape('token_ninja_requests_total{agent="counting",team="default",route="/v1/chat/completions",outcome="error"}')).toBe(1);
    expect(stack.mock.requests.some((r) => r.body.includes('count me'))).toBe(false);
  });

  it('a store that cannot serve a task report is 503 store_unavailable', async () => {
    vi.spyOn(stack.app.store, 'recordTasks').mockRejectedValueOnce(new StoreClosedError('memory'));
    const res = await request(`${stack.app.url}/agents/reporter/token-ninja/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 't-1', completed: true }),
    });
    expect(res.statusCode).toBe(503);
    expect(await res.body.json()).toMatchObject({ error: { code: 'store_unavailable' } });
  });

  it('a bug is 500 internal_error, logged with its stack', async () => {
    vi.spyOn(adapterFor('openai'), 'prepare').mockImplementationOnce(() => {
      throw new TypeError('injected bug');
    });
    const res = await chat('buggy', 'trip');
    expect(res.statusCode).toBe(500);
    expect(await res.body.json()).toMatchObject({ error: { code: 'internal_error' } });
    await until('the request is logged', () => logLine('buggy') !== undefined);
    expect(logLine('buggy')).toMatchObject({ outcome: 'error', code: 'internal_error' });
    const logged = stack.logs.find((l) => l.msg === 'internal error' && l.agent === 'buggy');
    expect(logged).toMatchObject({ level: 50, err: { message: 'injected bug' } });
  });

  it('queue_depth shows waiting requests at scrape time; a client that leaves the queue is client_closed', async () => {
    const { admission, accountant } = stack.app;
    // 100 tokens per second into a bucket that starts empty (a table's new bucket: DESIGN §8): a request in
    // flight reserving 1,000 tokens and its input puts it about 10 s of refill in debt, so the next request
    // waits (within queue.maxWaitMs) instead of being refused.
    admission.applyAllocations({ allocations: { waiter: 360_000 } });
    const holder = new AbortController();
    const held = chat('waiter', 'hold', { 'x-mock-behaviour': 'fault=slow,slowMs=30000' }, holder.signal, 1000).catch(() => undefined);
    await until('the holder is in flight', () => admission.view('waiter').inFlight === 1);

    const leaver = new AbortController();
    const left = chat('waiter', 'queued then gone', {}, leaver.signal).catch((err: unknown) => err);
    await until('queue_depth reads 1 at scrape time', async () => (await scrape('token_ninja_queue_depth')) === 1);
    leaver.abort();
    await left;
    await until('queue_depth reads 0 again', async () => (await scrape('token_ninja_queue_depth')) === 0);
    await until('the leaver is logged', () => stack.logs.some((l) => l.msg === 'request' && l.agent === 'waiter' && l.outcome === 'client_closed'));
    expect(stack.logs.filter((l) => l.agent === 'waiter' && l.code === 'shutting_down')).toHaveLength(0);

    // What the proxy core sees: a client_closed refusal holding no reservation, never shutting_down.
    const estimate = await accountant.estimate('openai', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] }, 'waiter');
    const gone = new AbortController();
    const admitted = accountant.admit({ agent: 'waiter', provider: 'openai', route: '/v1/chat/completions', estimate, hints: { priority: 'normal', blocking: 0 }, signal: gone.signal, body: Buffer.from('{}') });
    await until('it waits', () => admission.queueDepth === 1);
    gone.abort();
    await expect(admitted).rejects.toMatchObject({ code: 'client_closed' });
    holder.abort();
    await held;
    await until('the holder is settled', () => admission.view('waiter').inFlight === 0);
  });

  it('a client that leaves after admission, before anything was sent upstream, is charged nothing', async () => {
    const { admission } = stack.app;
    const before = admission.stats().ledger;
    const client = new AbortController();
    const acquire = admission.acquire.bind(admission);
    // The client leaves right as it is admitted: admission resolves only once the proxy saw it go.
    vi.spyOn(admission, 'acquire').mockImplementationOnce(async (req) => {
      const result = await acquire(req);
      client.abort();
      await until('the proxy saw the client go', () => req.signal?.aborted === true);
      return result;
    });
    await chat('leaver', 'admitted then gone', {}, client.signal).catch(() => undefined);
    await until('the reservation ended', () => admission.stats().ledger.inFlight === 0 && admission.stats().ledger.reservations > before.reservations);
    const after = admission.stats().ledger;
    expect(after.released - before.released).toBe(1);
    expect(after.chargedTokens - before.chargedTokens).toBe(0);
    expect(stack.mock.requests.some((r) => r.body.includes('admitted then gone'))).toBe(false);
  });

  it('a client that leaves after the request reached the upstream is charged its input estimate', async () => {
    const { admission, accountant } = stack.app;
    const before = admission.stats().ledger;
    const client = new AbortController();
    const done = chat('impatient', 'sent then gone', { 'x-mock-behaviour': 'fault=slow,slowMs=30000' }, client.signal).catch(() => undefined);
    await until('the upstream has it', () => stack.mock.requests.some((r) => r.body.includes('sent then gone')));
    client.abort();
    await done;
    await until('the reservation ended', () => admission.stats().ledger.inFlight === 0);
    const estimate = await accountant.estimate('openai', '/v1/chat/completions', { model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'sent then gone' }] }, 'impatient');
    const after = admission.stats().ledger;
    expect(after.settled - before.settled).toBe(1);
    expect(after.chargedTokens - before.chargedTokens).toBe(estimate.inputTokens);
  });
});
