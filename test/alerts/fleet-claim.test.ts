import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CapObservation } from '../../src/alerts/cap-thresholds.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { tempDir } from '../store/temp-dir.js';
import { alertsFor, type AlertsUnderTest } from './alerts-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const crossing: CapObservation = { scope: 'fleet', period: 'month', periodId: '2026-12', used: 960, limit: 1000, at: Date.UTC(2026, 11, 6) };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

let receiver: WebhookReceiver | undefined;
const stores: Store[] = [];
const running: AlertsUnderTest[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((u) => u.alerts.stop()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await receiver?.close();
  receiver = undefined;
});

/** Two proxies' alerts on two connections to one shared store see the same crossing at the same moment. */
async function twoProxies(open: () => Promise<Store>): Promise<void> {
  // Each first attempt fails, so both proxies are still busy when the other claims.
  const seen = new Set<string>();
  receiver = await startWebhookReceiver((_n, body) => {
    const key = JSON.stringify(body);
    if (seen.has(key)) return 200;
    seen.add(key);
    return 500;
  });
  const a = alertsFor(await open(), { webhook: receiver.url });
  const b = alertsFor(await open(), { webhook: receiver.url });
  running.push(a, b);
  a.alerts.observeCap(crossing);
  b.alerts.observeCap(crossing);
  await Promise.all([a.alerts.idle(), b.alerts.idle()]);
  expect(receiver.delivered.map((r) => (r.body as { threshold: number }).threshold)).toEqual([0.8, 0.95]);
  const outcomes = [...a.outcomes, ...b.outcomes].map((o) => o.outcome).sort();
  expect(outcomes).toEqual(['duplicate', 'duplicate', 'sent', 'sent']);
}

describe('an alert is sent once across a fleet', () => {
  it('two proxies on one real redis-server: exactly one POST per threshold', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    await twoProxies(async () => {
      const store = await RedisStore.connect(redis.url, { keyPrefix: prefix });
      stores.push(store);
      return store;
    });
  });

  it('two processes on one SQLite file: exactly one POST per threshold', async () => {
    const dir = tempDir('alerts');
    try {
      await twoProxies(async () => {
        const store = SqliteStore.open(join(dir.path, 'fleet.db'));
        stores.push(store);
        return store;
      });
    } finally {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      dir.remove();
    }
  });
});
