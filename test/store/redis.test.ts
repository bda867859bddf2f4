import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { WriteBehindStore } from '../../src/store/write-behind.js';
import type { StoreStatus } from '../../src/store/store.js';
import { describeStoreContract } from './contract.js';
import { freePort, startRedisServer, type RedisServer } from './redis-server.js';

let server: RedisServer;
let raw: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url, { lazyConnect: true });
  await raw.connect();
});
afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
});

/** Every store gets its own key prefix: tests share one server without seeing each other. */
const prefix = (): string => `t${randomBytes(4).toString('hex')}:`;

describeStoreContract('redis', () => RedisStore.connect(server.url, { keyPrefix: prefix() }));
describeStoreContract('redis behind write-behind via openStore (unflushed)', () =>
  openStore(server.url, { flushMs: 3_600_000, redis: { keyPrefix: prefix() } }),
);

describe('RedisStore layout', () => {
  it('keeps every key under the prefix, with TTLs on history and burst pools', async () => {
    const p = prefix();
    const store = await RedisStore.connect(server.url, { keyPrefix: p, retentionMs: 60_000, burstTtlMs: 5_000 });
    try {
      await store.addUsage([{ agent: 'a', minute: 1000, demand: 1, consumed: 1 }]);
      await store.recordTasks([{ agent: 'a', task: 't', at: 5, completed: true, quality: 1, source: 'agent' }]);
      await store.touchAgents([{ agent: 'a', firstSeen: 5 }]);
      await store.setOverride({ agent: 'a', tokensPerMinute: 1, setAt: 1 });
      await store.burstTake(3, 10, 1);
      const keys = (await raw.keys(`${p}*`)).sort();
      expect(keys).toEqual([`${p}agents`, `${p}burst:3`, `${p}overrides`, `${p}task:at`, `${p}task:out`, `${p}u:1000`, `${p}u:idx`].sort());
      for (const key of [`${p}u:1000`, `${p}u:idx`, `${p}task:at`, `${p}task:out`]) {
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(50_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
      expect(await raw.pttl(`${p}burst:3`)).toBeGreaterThan(0);
      expect(await raw.pttl(`${p}burst:3`)).toBeLessThanOrEqual(5_000);
    } finally {
      await store.close();
    }
  });

  it('keeps a period-cap counter under the prefix until the expiry it was written with', async () => {
    const p = prefix();
    const store = await RedisStore.connect(server.url, { keyPrefix: p });
    try {
      const expiresAt = Date.now() + 90_000;
      await store.capReserve([{ scope: 'team:x', periodId: 'day:2026-12-06', limit: 10, expiresAt }], 3);
      expect(await raw.keys(`${p}*`)).toEqual([`${p}cap:day:2026-12-06:team:x`]);
      const ttl = await raw.pttl(`${p}cap:day:2026-12-06:team:x`);
      expect(ttl).toBeGreaterThan(80_000);
      expect(ttl).toBeLessThanOrEqual(90_000);
      // An addition's op id is remembered for a day, then forgotten.
      await store.capAdd([{ scope: 'team:x', periodId: 'day:2026-12-06', used: 2, reserved: -3, expiresAt }], 'op-7');
      expect(await raw.pttl(`${p}capop:op-7`)).toBeGreaterThan(23 * 3_600_000);
      expect(await raw.pttl(`${p}capop:op-7`)).toBeLessThanOrEqual(24 * 3_600_000);
    } finally {
      await store.close();
    }
  });

  it('defaults history TTL to 8 days plus a margin, enough for "same hour last week"', async () => {
    const p = prefix();
    const store = await RedisStore.connect(server.url, { keyPrefix: p });
    try {
      await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
      const ttl = await raw.pttl(`${p}u:1`);
      expect(ttl).toBeGreaterThan(8 * 24 * 3_600_000);
      expect(ttl).toBeLessThanOrEqual(9 * 24 * 3_600_000);
    } finally {
      await store.close();
    }
  });

  it('trims task outcomes to maxTasks, keeping the newest', async () => {
    const store = await RedisStore.connect(server.url, { keyPrefix: prefix(), maxTasks: 3 });
    try {
      await store.recordTasks([1, 2, 3, 4, 5].map((at) => ({ agent: 'a', task: `t${at}`, at, completed: true, quality: 1, source: 'agent' })));
      expect((await store.tasksSince(0)).map((t) => t.at)).toEqual([3, 4, 5]);
    } finally {
      await store.close();
    }
  });

  it('lets two stores on one Redis share one burst pool that never grants more than capacity', async () => {
    const p = prefix();
    const [a, b] = await Promise.all([RedisStore.connect(server.url, { keyPrefix: p }), RedisStore.connect(server.url, { keyPrefix: p })]);
    try {
      const asks = Array.from({ length: 60 }, (_, i) => 1 + ((i * 7) % 13));
      const grants = await Promise.all(asks.map((amount, i) => (i % 2 === 0 ? a : b).burstTake(42, 250, amount)));
      const total = grants.reduce((x, y) => x + y, 0);
      expect(total).toBe(Math.min(250, asks.reduce((x, y) => x + y, 0)));
      grants.forEach((g, i) => expect(g).toBeLessThanOrEqual(asks[i] ?? 0));
      expect((await b.burstState(42, 250)).available).toBe(0);
      await Promise.all([a.burstReturn(42, 250, 200), b.burstReturn(42, 250, 200)]);
      expect((await a.burstState(42, 250)).available).toBe(250);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('re-loads its Lua scripts after Redis forgets them', async () => {
    const store = await RedisStore.connect(server.url, { keyPrefix: prefix() });
    try {
      expect(await store.burstTake(1, 10, 4)).toBe(4);
      await raw.script('FLUSH');
      expect(await store.burstTake(1, 10, 4)).toBe(4);
      await store.touchAgents([{ agent: 'x', firstSeen: 1 }]);
    } finally {
      await store.close();
    }
  });
});

describe('RedisStore connection faults', () => {
  it('rejects connect with store_unavailable, naming the address, when nothing listens', async () => {
    const port = await freePort();
    await expect(RedisStore.connect(`redis://127.0.0.1:${port}`)).rejects.toMatchObject({
      code: 'store_unavailable',
      status: 503,
      message: expect.stringContaining(`Redis at 127.0.0.1:${port}`),
    });
  });
});

describe('RedisStore outage and recovery (own server)', () => {
  let own: RedisServer;
  beforeAll(async () => {
    own = await startRedisServer();
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('fails fast with store_unavailable while Redis is down, reports down/up, and works again after a restart', async () => {
    const store = await RedisStore.connect(own.url, { keyPrefix: prefix(), maxReconnectDelayMs: 100 });
    const statuses: StoreStatus[] = [];
    let resolveUp!: () => void;
    const backUp = new Promise<void>((resolve) => (resolveUp = resolve));
    store.onStatus((status, error) => {
      statuses.push(status);
      if (status === 'down') expect(error).toMatchObject({ code: 'store_unavailable' });
      if (status === 'up') resolveUp();
    });
    try {
      expect(store.isHealthy()).toBe(true);
      await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);

      await own.stop();
      const ops: Promise<unknown>[] = [
        store.burstTake(1, 100, 10),
        store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]),
        store.usageTotals(0, 10),
        store.recordTasks([{ agent: 'a', task: 't', at: 1, completed: true, quality: 1, source: 'agent' }]),
        store.overrides(0),
        store.touchAgents([{ agent: 'a', firstSeen: 1 }]),
      ];
      for (const op of ops) await expect(op).rejects.toMatchObject({ code: 'store_unavailable', status: 503 });
      expect(store.isHealthy()).toBe(false);
      expect(statuses).toContain('down');

      await own.start();
      await backUp;
      expect(store.isHealthy()).toBe(true);
      expect(statuses.at(-1)).toBe('up');
      expect(await store.burstTake(7, 100, 10)).toBe(10);
      await store.addUsage([{ agent: 'b', minute: 2, demand: 3, consumed: 3 }]);
      expect(await store.usageTotals(2, 3)).toEqual([{ agent: 'b', demand: 3, consumed: 3 }]);
    } finally {
      await store.close();
    }
  });

  it('times a hung Redis out with store_unavailable instead of waiting for it', async () => {
    if (!own.running) await own.start();
    const store = await RedisStore.connect(own.url, { keyPrefix: prefix(), commandTimeoutMs: 200 });
    try {
      own.pause();
      await expect(store.burstTake(1, 10, 1)).rejects.toMatchObject({
        code: 'store_unavailable',
        message: expect.stringContaining('timed out'),
      });
    } finally {
      own.resume();
    }
    try {
      expect(await store.burstTake(2, 10, 1)).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('starts without Redis when requireConnection is false and becomes healthy once it appears', async () => {
    await own.stop();
    const store = await RedisStore.connect(own.url, { keyPrefix: prefix(), requireConnection: false, maxReconnectDelayMs: 100 });
    try {
      expect(store.isHealthy()).toBe(false);
      await expect(store.agents()).rejects.toMatchObject({ code: 'store_unavailable' });
      const up = new Promise<void>((resolve) => store.onStatus((s) => s === 'up' && resolve()));
      await own.start();
      await up;
      expect(await store.agents()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('counts flushed usage and task reports exactly once when a hung Redis runs them after the client timed out', async () => {
    if (!own.running) await own.start();
    const p = prefix();
    const errors: unknown[] = [];
    const store = await openStore(own.url, {
      flushMs: 3_600_000,
      onFlushError: (e) => errors.push(e),
      redis: { keyPrefix: p, commandTimeoutMs: 200 },
    });
    const reader = await RedisStore.connect(own.url, { keyPrefix: p });
    const report = (task: string, at: number) => ({ agent: 'a', task, at, completed: true, quality: 1, source: 'agent' as const });
    try {
      // Redis knows the script from here on, so a frozen EVALSHA is not answered NOSCRIPT (a retry the client would drop).
      await store.touchAgents([{ agent: 'a', firstSeen: 0 }]);
      await store.flush?.();
      for (let round = 0; round < 3; round++) {
        await store.addUsage([{ agent: 'a', minute: 100, demand: 10, consumed: 7 }]);
        // Frozen, not gone: commands sent now wait in the socket and run once it thaws, after the client gave up.
        own.pause();
        try {
          expect(await store.recordTasks([report(`t${round}`, round)])).toEqual([{ duplicate: false, replaced: false }]);
          await expect(store.flush?.()).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('timed out') });
        } finally {
          own.resume();
        }
        await store.addUsage([{ agent: 'a', minute: 100, demand: 1, consumed: 1 }]);
      }
      expect(errors.length).toBeGreaterThanOrEqual(3);
      // Recovery: the retried batches find their first attempts already applied.
      for (let i = 0; i < 50 && (store as WriteBehindStore).pendingCount > 0; i++) await store.flush?.().catch(() => undefined);
      expect((store as WriteBehindStore).pendingCount).toBe(0);
      expect(await reader.usageTotals(0, 1000)).toEqual([{ agent: 'a', demand: 33, consumed: 24 }]);
      expect((await reader.tasksSince(0)).map((t) => t.task)).toEqual(['t0', 't1', 't2']);
      expect(await store.recordTasks([report('t1', 9)])).toEqual([{ duplicate: true, replaced: false }]);
    } finally {
      own.resume();
      await reader.close();
      await store.close();
    }
  });

  it('buffers writes through an outage and reconciles them into Redis when it returns (openStore)', async () => {
    if (!own.running) await own.start();
    const errors: unknown[] = [];
    const store = await openStore(own.url, {
      flushMs: 50,
      onFlushError: (e) => errors.push(e),
      redis: { keyPrefix: prefix(), maxReconnectDelayMs: 100 },
    });
    try {
      expect(store).toBeInstanceOf(WriteBehindStore);
      await own.stop();
      for (let i = 0; i < 5; i++) {
        await store.addUsage([{ agent: 'a', minute: 100, demand: 10, consumed: 9 }]);
        await store.recordTasks([{ agent: 'a', task: `t${i}`, at: i, completed: true, quality: 1, source: 'agent' }]);
      }
      // The background flush meets the outage and says so; the data stays buffered.
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors[0]).toMatchObject({ code: 'store_unavailable' });
      await expect(store.flush?.()).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.usageTotals(0, 1000)).rejects.toMatchObject({ code: 'store_unavailable' });
      expect(store.isHealthy?.()).toBe(false);
      const up = new Promise<void>((resolve) => store.onStatus?.((s) => s === 'up' && resolve()));
      await own.start();
      await up;
      await store.flush?.();
      expect(await store.usageTotals(0, 1000)).toEqual([{ agent: 'a', demand: 50, consumed: 45 }]);
      expect((await store.tasksSince(0)).map((t) => t.task)).toEqual(['t0', 't1', 't2', 't3', 't4']);
      expect((store as WriteBehindStore).pendingCount).toBe(0);
    } finally {
      await store.close();
    }
  });
});

