import { afterEach, describe, expect, it } from 'vitest';
import type { CapObservation } from '../../src/alerts/cap-thresholds.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { until } from '../e2e/ports.js';
import { alertsFor, FAST, type AlertsUnderTest } from './alerts-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const AT = Date.UTC(2026, 11, 6, 12);
const cap = (used: number, periodId = '2026-12-06'): CapObservation => ({ scope: 'team:search', period: 'day', periodId, used, limit: 1000, at: AT });

let receiver: WebhookReceiver | undefined;
const running: AlertsUnderTest[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((u) => u.alerts.stop()));
  await receiver?.close();
  receiver = undefined;
});
function start(...args: Parameters<typeof alertsFor>): AlertsUnderTest {
  const u = alertsFor(...args);
  running.push(u);
  return u;
}

describe('cap threshold alerts by webhook', () => {
  it('POSTs one JSON alert per threshold crossed, with the configured headers', async () => {
    receiver = await startWebhookReceiver();
    const { alerts, outcomes } = start(new MemoryStore(), { webhook: receiver.url, headers: { authorization: 'Bearer hook-secret' } });
    alerts.observeCap(cap(1200));
    await alerts.idle();
    expect(receiver.delivered.map((r) => r.body)).toEqual([0.8, 0.95, 1].map((threshold) => ({
      type: 'cap_threshold',
      scope: 'team:search',
      period: '2026-12-06',
      threshold,
      used: 1200,
      limit: 1000,
      at: '2026-12-06T12:00:00.000Z',
    })));
    expect(receiver.delivered[0]?.headers).toMatchObject({ authorization: 'Bearer hook-secret', 'content-type': 'application/json' });
    expect(receiver.delivered[0]?.path).toBe('/hooks/token-ninja');
    expect(outcomes).toEqual(Array(3).fill({ type: 'cap_threshold', outcome: 'sent' }));
  });

  it('delivers exactly one POST per threshold when the webhook fails each first attempt (500)', async () => {
    const seen = new Set<number>();
    receiver = await startWebhookReceiver((_n, body) => {
      const t = (body as { threshold: number }).threshold;
      if (seen.has(t)) return 200;
      seen.add(t);
      return 500;
    });
    const { alerts, outcomes } = start(new MemoryStore(), { webhook: receiver.url });
    alerts.observeCap(cap(850));
    alerts.observeCap(cap(1000));
    await alerts.idle();
    expect(receiver.requests).toHaveLength(6);
    expect(receiver.delivered.map((r) => (r.body as { threshold: number }).threshold)).toEqual([0.8, 0.95, 1]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['sent', 'sent', 'sent']);
  });

  it('sends nothing for the same threshold again in the period, and again in a new period', async () => {
    receiver = await startWebhookReceiver();
    const { alerts } = start(new MemoryStore(), { webhook: receiver.url, thresholds: [0.5] });
    alerts.observeCap(cap(600));
    alerts.observeCap(cap(700));
    alerts.observeCap(cap(900));
    await alerts.idle();
    expect(receiver.requests).toHaveLength(1);
    alerts.observeCap(cap(600, '2026-12-07'));
    await alerts.idle();
    expect(receiver.delivered.map((r) => (r.body as { period: string }).period)).toEqual(['2026-12-06', '2026-12-07']);
  });

  it('a restarted process finds the claim in the store: the crossing is not sent twice', async () => {
    receiver = await startWebhookReceiver();
    const store = new MemoryStore();
    const first = start(store, { webhook: receiver.url });
    first.alerts.observeCap(cap(850));
    await first.alerts.idle();
    const second = start(store, { webhook: receiver.url });
    second.alerts.observeCap(cap(900));
    await second.alerts.idle();
    expect(receiver.requests).toHaveLength(1);
    expect(second.outcomes).toEqual([{ type: 'cap_threshold', outcome: 'duplicate' }]);
  });

  it('gives up after maxAttempts (counted failed) and keeps the claim, so nobody sends it later', async () => {
    receiver = await startWebhookReceiver(() => 503);
    const store = new MemoryStore();
    const { alerts, outcomes } = start(store, { webhook: receiver.url, thresholds: [1] });
    alerts.observeCap(cap(1000));
    await alerts.idle();
    expect(receiver.requests).toHaveLength(FAST.maxAttempts!);
    expect(outcomes).toEqual([{ type: 'cap_threshold', outcome: 'failed' }]);
    const other = start(store, { webhook: receiver.url, thresholds: [1] });
    other.alerts.observeCap(cap(1000));
    await other.alerts.idle();
    expect(receiver.requests).toHaveLength(FAST.maxAttempts!);
  });

  it('retries the claim while the store is unavailable, then sends nothing (store_unavailable), never twice', async () => {
    receiver = await startWebhookReceiver();
    let calls = 0;
    const down = {
      claimEvent: async (): Promise<boolean> => {
        calls++;
        throw new StoreUnavailableError('redis is down');
      },
    };
    const { alerts, outcomes } = start(down, { webhook: receiver.url, thresholds: [1] });
    alerts.observeCap(cap(1000));
    await alerts.idle();
    expect(calls).toBe(FAST.maxAttempts);
    expect(receiver.requests).toHaveLength(0);
    expect(outcomes).toEqual([{ type: 'cap_threshold', outcome: 'store_unavailable' }]);
  });

  it('a store that comes back within the attempts still gets the alert sent', async () => {
    receiver = await startWebhookReceiver();
    const store = new MemoryStore();
    let failures = 2;
    const flaky = {
      claimEvent: (key: string, now: number, ttl: number): Promise<boolean> =>
        failures-- > 0 ? Promise.reject(new StoreUnavailableError('blip')) : store.claimEvent(key, now, ttl),
    };
    const { alerts, outcomes } = start(flaky, { webhook: receiver.url, thresholds: [1] });
    alerts.observeCap(cap(1000));
    await alerts.idle();
    expect(receiver.delivered).toHaveLength(1);
    expect(outcomes).toEqual([{ type: 'cap_threshold', outcome: 'sent' }]);
  });

  it('a hanging webhook: observeCap returns at once, the queue is bounded (drops counted), stop() does not hang', async () => {
    receiver = await startWebhookReceiver(() => 'hang');
    const { alerts, outcomes } = start(new MemoryStore(), { webhook: receiver.url }, { ...FAST, timeoutMs: 60_000, maxQueued: 2 });
    alerts.observeCap(cap(1000));
    alerts.observeCap(cap(1000, '2026-12-07'));
    alerts.observeCap(cap(1000, '2026-12-08'));
    // 9 alerts raised; one in flight, two queued, the rest dropped without waiting for the webhook.
    await until('the first alert reaches the webhook', () => receiver!.requests.length === 1);
    expect(outcomes.filter((o) => o.outcome === 'dropped').length).toBeGreaterThanOrEqual(6);
    await alerts.stop();
    expect(outcomes).toHaveLength(9);
    expect(outcomes.some((o) => o.outcome === 'sent')).toBe(false);
  });

  it('never logs the webhook URL\'s userinfo or query, nor the configured headers', async () => {
    receiver = await startWebhookReceiver(() => 500);
    const url = receiver.url.replace('http://', 'http://user:pw-secret@') + '?token=query-secret';
    const { alerts, rawLogs } = start(new MemoryStore(), { webhook: url, thresholds: [1], headers: { authorization: 'Bearer header-secret' } });
    alerts.observeCap(cap(1000));
    await alerts.idle();
    expect(receiver.requests.length).toBeGreaterThan(0);
    const logs = rawLogs();
    expect(logs).toContain('/hooks/token-ninja');
    expect(logs).toContain('"code":"alert_delivery_failed"');
    for (const secret of ['pw-secret', 'query-secret', 'header-secret']) expect(logs).not.toContain(secret);
  });
});
