import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { startStack, type Stack } from '../e2e/harness.js';
import { tempDir } from '../store/temp-dir.js';

interface Row {
  agent: string;
  tokensPerMinute: number;
  boundBy: string;
  override?: { tokensPerMinute: number; expiresAt?: string };
}

/** The table is computed per tick from inputs cut at the tick's start: an override stops applying from the first tick starting after it expired. */
const TICK_SECONDS = 30;
const dir = tempDir('overrides');
afterAll(() => dir.remove());

const STORES: Array<[string, () => Store]> = [
  ['memory', () => new MemoryStore()],
  ['sqlite', () => SqliteStore.open(`${dir.path}/${Date.now()}-${Math.random().toString(36).slice(2)}.db`)],
];

/**
 * Overrides through the real admin backend (ProxyAdminBackend behind the admin port) on a real store: set with
 * a TTL or an expiry time, applied by the next reallocation, gone after expiry — the proxy's clock is moved
 * forward through its `now` option, never slept through.
 */
describe.each(STORES)('overrides on a real proxy and a %s store', (_kind, makeStore) => {
  let stack: Stack;
  let offset = 0;
  const now = () => Date.now() + offset;

  afterAll(async () => stack.close());

  const admin = async (method: string, path: string, body?: unknown) => {
    const r = await request(`${stack.app.adminUrl}${path}`, {
      method: method as 'GET',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.body.text();
    return { status: r.statusCode, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };
  const plannerAfterReallocate = async (): Promise<Row | undefined> => {
    const table = await admin('POST', '/v1/reallocate');
    expect(table.status).toBe(200);
    return (table.body?.agents as Row[]).find((a) => a.agent === 'planner');
  };

  it('a TTL override applies, stops applying once expired, and DELETE of the expired one answers 204 then 404', async () => {
    stack = await startStack({ store: makeStore(), now, config: { tokensPerMinute: 600_000, reallocateSeconds: TICK_SECONDS, logLevel: 'silent' } });
    const served = await request(`${stack.app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'planner' },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await served.body.text();
    expect(served.statusCode).toBe(200);
    const before = await plannerAfterReallocate();
    expect(before?.boundBy).not.toBe('override');

    const set = await admin('PUT', '/v1/overrides/planner', { tokensPerMinute: 12_000, ttlSeconds: 60, reason: 'launch day' });
    expect(set.status).toBe(200);
    expect(Date.parse(String(set.body?.expiresAt)) - Date.parse(String(set.body?.setAt))).toBe(60_000);
    const applied = await plannerAfterReallocate();
    expect(applied).toMatchObject({ boundBy: 'override', tokensPerMinute: 12_000 });

    offset += 61_000 + TICK_SECONDS * 1000;
    const expired = await plannerAfterReallocate();
    expect(expired?.boundBy).not.toBe('override');
    expect(expired?.tokensPerMinute).not.toBe(12_000);
    expect(expired?.override).toBeUndefined();

    // What the stores do: the expired row is still there to remove, so DELETE answers 204; then there is none.
    expect((await admin('DELETE', '/v1/overrides/planner')).status).toBe(204);
    const again = await admin('DELETE', '/v1/overrides/planner');
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it('an expiresAt override applies until that time, not past the next tick; a live one removed by DELETE stops applying at once', async () => {
    const set = await admin('PUT', '/v1/overrides/planner', { tokensPerMinute: 9_000, expiresAt: new Date(now() + 30_000).toISOString() });
    expect(set.status).toBe(200);
    expect(await plannerAfterReallocate()).toMatchObject({ boundBy: 'override', tokensPerMinute: 9_000 });
    offset += 29_000;
    expect(await plannerAfterReallocate()).toMatchObject({ boundBy: 'override', tokensPerMinute: 9_000 });
    offset += 2_000 + TICK_SECONDS * 1000;
    expect((await plannerAfterReallocate())?.boundBy).not.toBe('override');

    expect((await admin('PUT', '/v1/overrides/planner', { tokensPerMinute: 7_000 })).status).toBe(200);
    expect(await plannerAfterReallocate()).toMatchObject({ boundBy: 'override', tokensPerMinute: 7_000 });
    expect((await admin('DELETE', '/v1/overrides/planner')).status).toBe(204);
    expect((await plannerAfterReallocate())?.boundBy).not.toBe('override');
    expect((await admin('DELETE', '/v1/overrides/planner')).status).toBe(404);
  });

  it('overrides that alone exceed the pool: the table says overcommitted, and every other agent gets the floor', async () => {
    // Pool 600,000/min; one override of 700,000/min takes more than all of it.
    expect((await admin('PUT', '/v1/overrides/hog', { tokensPerMinute: 700_000 })).status).toBe(200);
    const table = await admin('POST', '/v1/reallocate');
    expect(table.body?.overcommitted).toBe(true);
    const rows = table.body?.agents as Row[];
    expect(rows.find((a) => a.agent === 'hog')).toMatchObject({ boundBy: 'override', tokensPerMinute: 700_000 });
    expect(rows.find((a) => a.agent === 'planner')?.boundBy).toBe('overcommitted');
    expect((await admin('DELETE', '/v1/overrides/hog')).status).toBe(204);
    expect((await admin('POST', '/v1/reallocate')).body?.overcommitted).toBe(false);
  });
});
