import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionOptions, type AdmissionResult } from '../../src/budget/admission.js';
import type { BurstPool } from '../../src/budget/burst-pool.js';
import { LocalBurstPool } from '../../src/budget/local-burst-pool.js';
import { FakeTime, flush } from './fake-time.js';

// Tick 10 s; the first table names a and b with 1 000 tokens per tick → rate 0.1 token/ms, capacity 1 000.
function setup(options: Partial<AdmissionOptions> = {}) {
  const time = new FakeTime(0);
  const admission = new Admission({ tickMs: 10_000, newcomerAllowance: 1_000, clock: time, scheduler: time, ...options });
  admission.applyAllocations({ allocations: { a: 1_000, b: 1_000 } });
  return { time, admission };
}

/** Track a promise's result without awaiting it. */
function track(p: Promise<AdmissionResult>): { result?: AdmissionResult } {
  const box: { result?: AdmissionResult } = {};
  void p.then((r) => (box.result = r));
  return box;
}

describe('Admission', () => {
  it('forwards while positive, then queues and releases the waiter when refills make the balance positive', async () => {
    const { time, admission } = setup();
    const first = await admission.acquire({ agent: 'a', cost: 1_500 });
    expect(first).toMatchObject({ admitted: true, source: 'allocation', queuedMs: 0, decision: { action: 'forward' } });
    expect(admission.view('a').balance).toBe(-500);
    // −500 at 0.1/ms: 0 after 5 000 ms, positive after 5 001.
    const waiting = track(admission.acquire({ agent: 'a', cost: 100 }));
    await time.advance(5_000);
    expect(waiting.result).toBeUndefined();
    expect(admission.stats().queueDepth).toBe(1);
    await time.advance(1);
    expect(waiting.result).toMatchObject({ admitted: true, source: 'allocation', queuedMs: 5_001, decision: { action: 'queue', reason: 'over-budget' } });
    // 0.1 left after 5 001 ms, minus 100 = −99.9; full again after (1 000 + 99.9) / 0.1 = 10 999 ms.
    expect(admission.view('a').balance).toBeCloseTo(-99.9, 9);
    expect(admission.rateLimitHeaders('a')).toEqual({
      'x-ratelimit-limit-tokens': '6000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '10.999s',
    });
    expect(admission.stats()).toMatchObject({ forwarded: 1, queued: 1, admittedFromQueue: 1, queueDepth: 0 });
    expect(time.pending).toBe(0);
  });

  it('under contention serves critical before high before normal before low, whatever the arrival order', async () => {
    const { time, admission } = setup({ maxWaitMs: 1_000_000 });
    await admission.acquire({ agent: 'a', cost: 1_500 }); // −500
    const order: string[] = [];
    const names = ['low-1', 'low-2', 'normal', 'critical', 'high'] as const;
    const priorities = { 'low-1': 'low', 'low-2': 'low', normal: 'normal', critical: 'critical', high: 'high' } as const;
    const all = names.map((name) =>
      admission.acquire({ agent: 'a', cost: 1_000, priority: priorities[name] }).then((r) => {
        expect(r.admitted).toBe(true);
        order.push(name);
      }),
    );
    await time.advance(100_000);
    await Promise.all(all);
    expect(order).toEqual(['critical', 'high', 'normal', 'low-1', 'low-2']);
  });

  it('rejects a queued request at its deadline, not before', async () => {
    const { time, admission } = setup();
    await admission.acquire({ agent: 'a', cost: 1_500 }); // −500: positive at 5 001
    const normal = track(admission.acquire({ agent: 'a', cost: 100, deadline: 8_000 }));
    await time.advance(1_000);
    // A critical request jumps ahead; after it the bucket is at −999.9, far past 8 000 ms.
    const critical = track(admission.acquire({ agent: 'a', cost: 1_000, priority: 'critical' }));
    await time.advance(4_001);
    expect(critical.result).toMatchObject({ admitted: true, queuedMs: 4_001 });
    await time.advance(2_998); // t = 7 999
    expect(normal.result).toBeUndefined();
    await time.advance(1); // t = 8 000
    expect(normal.result).toMatchObject({ admitted: false, reason: 'deadline-passed', queuedMs: 8_000 });
    // The bucket (−999.9 at 5 001, 0.1/ms) is positive 10 000 ms after 5 001: 7 002 ms after 8 000 (float: ±1).
    const retry = normal.result?.admitted === false ? normal.result.retryAfterMs : 0;
    expect(Math.abs(retry - 7_002)).toBeLessThanOrEqual(1);
    expect(admission.stats().rejected['deadline-passed']).toBe(1);
    expect(time.pending).toBe(0);
  });

  it('refuses at once a request whose deadline refills cannot meet, or that has passed', async () => {
    const { admission } = setup();
    await admission.acquire({ agent: 'a', cost: 1_500 }); // needs 5 001 ms
    expect(await admission.acquire({ agent: 'a', cost: 1, deadline: 5_000 })).toMatchObject({ admitted: false, reason: 'deadline-too-soon', retryAfterMs: 5_001 });
    expect(await admission.acquire({ agent: 'b', cost: 1, deadline: 0 })).toMatchObject({ admitted: false, reason: 'deadline-passed' });
  });

  it('a waiting request whose client disconnects leaves the queue at once and is charged nothing', async () => {
    const { time, admission } = setup();
    await admission.acquire({ agent: 'a', cost: 1_500 });
    const controller = new AbortController();
    const waiting = track(admission.acquire({ agent: 'a', cost: 100, signal: controller.signal }));
    await time.advance(1_000);
    expect(admission.stats().queueDepth).toBe(1);
    controller.abort();
    await flush();
    expect(waiting.result).toMatchObject({ admitted: false, reason: 'aborted', queuedMs: 1_000 });
    expect(admission.stats()).toMatchObject({ queueDepth: 0, ledger: { reservations: 1 } });
    expect(time.pending).toBe(0); // refill and expiry timers gone
    expect(admission.view('a').balance).toBeCloseTo(-400, 9);
    const pre = new AbortController();
    pre.abort();
    expect(await admission.acquire({ agent: 'a', cost: 1, signal: pre.signal })).toMatchObject({ admitted: false, reason: 'aborted' });
  });

  it('gives up after the max wait', async () => {
    const { time, admission } = setup({ maxWaitMs: 30_000 });
    await admission.acquire({ agent: 'a', cost: 1_500 });
    const waiting = track(admission.acquire({ agent: 'a', cost: 100 }));
    admission.applyAllocations({ allocations: { a: 0 } }); // no more refill
    await time.advance(29_999);
    expect(waiting.result).toBeUndefined();
    await time.advance(1);
    // Allocation 0 never refills: retry after one tick, when a new table may change that.
    expect(waiting.result).toMatchObject({ admitted: false, reason: 'max-wait', queuedMs: 30_000, retryAfterMs: 10_000 });
  });

  it('refuses at once when refills cannot admit within the max wait, with retry-after from the refill rate', async () => {
    const { admission } = setup({ maxWaitMs: 2_000 });
    await admission.acquire({ agent: 'a', cost: 1_500 });
    expect(await admission.acquire({ agent: 'a', cost: 100 })).toMatchObject({ admitted: false, reason: 'wait-too-long', retryAfterMs: 5_001 });
  });

  it('refuses when the queue is full; retry-after counts the waiters ahead', async () => {
    const { admission } = setup({ maxQueueDepthPerAgent: 1 });
    await admission.acquire({ agent: 'a', cost: 1_500 });
    void admission.acquire({ agent: 'a', cost: 100 });
    // −500 − 100 queued ahead = −600 → 6 001 ms.
    expect(await admission.acquire({ agent: 'a', cost: 100 })).toMatchObject({ admitted: false, reason: 'queue-full', retryAfterMs: 6_001 });
    admission.close();
  });

  it('takes reloaded queue limits and burst gate for requests arriving from then on (configure)', async () => {
    const { admission } = setup({ burstCapacity: 2_000, maxWaitMs: 60_000 });
    await admission.acquire({ agent: 'a', cost: 1_500 }); // −500: 5 001 ms until positive
    expect(await admission.acquire({ agent: 'b', cost: 1_500 })).toMatchObject({ admitted: true }); // b at −500 too
    admission.configure({ maxWaitMs: 2_000, maxQueueDepth: 10_000, burstMinPriority: 'normal' });
    // A normal request now draws on the burst buffer; with it empty, the shorter wait refuses it.
    expect(await admission.acquire({ agent: 'a', cost: 1_500 })).toMatchObject({ admitted: true, source: 'burst' });
    expect(await admission.acquire({ agent: 'a', cost: 1_000 })).toMatchObject({ admitted: false, reason: 'wait-too-long' });
    admission.configure({ maxWaitMs: 60_000, maxQueueDepth: 0, burstMinPriority: 'critical' });
    expect(await admission.acquire({ agent: 'b', cost: 1, priority: 'high' })).toMatchObject({ admitted: false, reason: 'queue-full' });
    expect(() => admission.configure({ maxWaitMs: -1, maxQueueDepth: 0, burstMinPriority: 'high' })).toThrow(/maxWaitMs/);
    admission.close();
  });

  it('a refund releases waiters before the refill timer', async () => {
    const { admission } = setup();
    const first = await admission.acquire({ agent: 'a', cost: 1_500 });
    const waiting = track(admission.acquire({ agent: 'a', cost: 100 }));
    expect(first.admitted && admission.settle(first.reservation, 200)).toBe(true); // −500 + 1 300 = 800
    await flush();
    expect(waiting.result).toMatchObject({ admitted: true, queuedMs: 0 });
    expect(admission.view('a').balance).toBe(700);
    expect(first.admitted && admission.settle(first.reservation, 200)).toBe(false);
    expect(first.admitted && admission.release(first.reservation.id)).toBe(false);
    expect(admission.stats().ledger.duplicateEndings).toBe(2);
  });

  it('serves high priority from the burst pool when over budget, and returns what it did not use', async () => {
    const { admission } = setup({ burstCapacity: 2_000 });
    await admission.acquire({ agent: 'a', cost: 1_500 }); // −500
    const high = await admission.acquire({ agent: 'a', cost: 1_500, priority: 'high' });
    expect(high).toMatchObject({ admitted: true, source: 'burst', decision: { action: 'forward-from-burst', reason: 'burst' } });
    expect(admission.burstPool.available(0)).toBe(500);
    expect(admission.view('a').balance).toBe(-500); // the bucket is untouched
    expect(high.admitted && admission.settle(high.reservation, 1_000)).toBe(true);
    expect(admission.burstPool.available(0)).toBe(1_000);
    // Normal priority may not draw; a high one larger than the pool waits.
    expect((await Promise.race([admission.acquire({ agent: 'a', cost: 10 }), flush().then(() => 'pending')]))).toBe('pending');
    expect((await Promise.race([admission.acquire({ agent: 'a', cost: 1_001, priority: 'high' }), flush().then(() => 'pending')]))).toBe('pending');
    expect(admission.burstPool.draws().get('a')).toEqual({ draws: 1, tokens: 1_500, returned: 500 });
    expect(admission.stats()).toMatchObject({ burst: 1, queued: 2 });
    admission.close();
  });

  it('works with an asynchronous pool, and treats a failing pool as empty', async () => {
    const local = new LocalBurstPool({ tickMs: 10_000, capacity: 5_000 });
    let fail = false;
    const remote: BurstPool = {
      minPriority: 'high',
      take: async (agent, amount, now) => {
        if (fail) throw new Error('store down');
        return local.take(agent, amount, now);
      },
      give: async (agent, amount, takenAt, now) => local.give(agent, amount, takenAt, now),
      available: (now) => local.available(now),
      state: async (now) => local.state(now),
      setCapacity: (c, t, now) => local.setCapacity(c, t, now),
      draws: () => local.draws(),
    };
    const { admission } = setup({ burstPool: remote, maxWaitMs: 1 });
    await admission.acquire({ agent: 'a', cost: 1_500 });
    const r = await admission.acquire({ agent: 'a', cost: 1_000, priority: 'critical' });
    expect(r).toMatchObject({ admitted: true, source: 'burst' });
    expect(r.admitted && admission.release(r.reservation)).toBe(true);
    await flush();
    expect(local.available(0)).toBe(5_000);
    fail = true;
    expect(await admission.acquire({ agent: 'a', cost: 1_000, priority: 'critical' })).toMatchObject({ admitted: false, reason: 'wait-too-long' });
    expect(admission.stats().burstErrors).toBe(1);
  });

  it('applyAllocations changes rates for waiters and keeps reservations', async () => {
    const { time, admission } = setup();
    const first = await admission.acquire({ agent: 'a', cost: 1_500 }); // −500
    const waiting = track(admission.acquire({ agent: 'a', cost: 100 }));
    // 10× the rate: 1 token/ms → positive after 501 ms.
    admission.applyAllocations({ allocations: new Map([['a', 10_000]]), burstCapacity: 300 });
    await time.advance(500);
    expect(waiting.result).toBeUndefined();
    await time.advance(1);
    expect(waiting.result).toMatchObject({ admitted: true, queuedMs: 501 });
    expect(admission.burstPool.available(time.now())).toBe(300);
    expect(first.admitted && admission.settle(first.reservation, 1_500)).toBe(true);
    expect(admission.stats().ledger).toMatchObject({ inFlight: 1, settled: 1 });
  });

  it('observe mode forwards everything, charges only what enforcement would have let through, and counts the would-be decisions', async () => {
    const { admission } = setup({ mode: 'observe' });
    const a = await admission.acquire({ agent: 'a', cost: 1_500 });
    const b = await admission.acquire({ agent: 'a', cost: 100 });
    const c = await admission.acquire({ agent: 'a', cost: 100, deadline: 0 });
    expect(a).toMatchObject({ admitted: true, decision: { action: 'forward', reason: 'observe', wouldBe: { action: 'forward' } } });
    expect(b).toMatchObject({ admitted: true, source: 'allocation', decision: { action: 'forward', wouldBe: { action: 'queue', reason: 'over-budget' } } });
    expect(c).toMatchObject({ admitted: true, decision: { wouldBe: { action: 'reject', reason: 'deadline-passed' } } });
    expect(admission.view('a').balance).toBe(-500);
    expect(b.admitted && admission.settle(b.reservation, 5_000)).toBe(true);
    expect(admission.view('a').balance).toBe(-500);
    expect(admission.stats()).toMatchObject({ forwarded: 3, queueDepth: 0, observed: { forward: 1, queue: 1, reject: 1, 'forward-from-burst': 0 } });
  });

  it('close refuses waiters and later requests', async () => {
    const { time, admission } = setup();
    await admission.acquire({ agent: 'a', cost: 1_500 });
    const waiting = track(admission.acquire({ agent: 'a', cost: 100 }));
    admission.close();
    await flush();
    expect(waiting.result).toMatchObject({ admitted: false, reason: 'shutdown' });
    expect(await admission.acquire({ agent: 'b', cost: 1 })).toMatchObject({ admitted: false, reason: 'shutdown' });
    expect(time.pending).toBe(0);
  });

  it('refuses malformed requests with a stable code', () => {
    const { admission } = setup();
    expect(() => admission.acquire({ agent: 'a', cost: -1 })).toThrow(expect.objectContaining({ code: 'TN_BUDGET_INVALID_REQUEST' }));
    expect(() => admission.acquire({ agent: '', cost: 1 })).toThrow(/agent/);
  });
});

describe('Admission: agents the table does not name are paid from the newcomer reserve', () => {
  it('admits a newcomer from the reserve while its allowance lasts, then throttles it like any over-budget request', async () => {
    const seen: string[] = [];
    const { time, admission } = setup({ newcomerReserve: 1_000, newcomerAllowance: 600, onNewAgent: (agent) => seen.push(agent) });
    const first = await admission.acquire({ agent: 'x', cost: 400 });
    expect(first).toMatchObject({ admitted: true, source: 'allocation', decision: { action: 'forward-from-newcomers', reason: 'newcomer' } });
    expect(first.admitted && first.reservation.source).toBe('newcomer');
    expect(admission.newcomerPool.available(time.now())).toBe(600);
    // Allowance left 200 > 0: admitted once more (overshoot of one request, as for a bucket).
    expect(await admission.acquire({ agent: 'x', cost: 400 })).toMatchObject({ admitted: true, decision: { action: 'forward-from-newcomers' } });
    // Allowance spent, and no refill outside the pool: refused until a table names it.
    const third = await admission.acquire({ agent: 'x', cost: 100 });
    expect(third).toMatchObject({ admitted: false, reason: 'wait-too-long', retryAfterMs: 10_000 });
    // Retry when the next table can name it: at the next tick boundary, not a whole tick from now.
    await time.advance(2_500);
    expect(await admission.acquire({ agent: 'x', cost: 100 })).toMatchObject({ admitted: false, retryAfterMs: 7_500 });
    // Another newcomer: the reserve holds 200, not the whole cost.
    expect(await admission.acquire({ agent: 'y', cost: 300 })).toMatchObject({ admitted: false });
    expect(admission.newcomerPool.available(time.now())).toBe(200);
    expect(seen).toEqual(['x', 'y']);
    expect(admission.stats()).toMatchObject({ newcomer: 2, newAgents: 2 });
    // The next tick refills the reserve and the allowance.
    await time.advance(10_000);
    expect(await admission.acquire({ agent: 'y', cost: 300 })).toMatchObject({ admitted: true, decision: { reason: 'newcomer' } });
  });

  it('serves a spent newcomer from burst where its priority allows', async () => {
    const { admission } = setup({ newcomerReserve: 100, newcomerAllowance: 600, burstCapacity: 1_000 });
    expect(await admission.acquire({ agent: 'x', cost: 300, priority: 'high' })).toMatchObject({ admitted: true, source: 'burst' });
  });

  it('never lets an agent the table names draw from the reserve, however over budget', async () => {
    const { admission, time } = setup({ newcomerReserve: 10_000, newcomerAllowance: 10_000, maxWaitMs: 0 });
    expect(await admission.acquire({ agent: 'a', cost: 1_500 })).toMatchObject({ admitted: true, decision: { reason: 'balance-positive' } });
    expect(await admission.acquire({ agent: 'a', cost: 100 })).toMatchObject({ admitted: false, decision: { action: 'reject' } });
    expect(admission.newcomerPool.available(time.now())).toBe(10_000);
    expect(admission.stats().newAgents).toBe(0);
  });

  it('gives back what a newcomer did not use, and charges an excess as debt', async () => {
    const { admission, time } = setup({ newcomerReserve: 1_000, newcomerAllowance: 1_000 });
    const r = await admission.acquire({ agent: 'x', cost: 500 });
    expect(r.admitted).toBe(true);
    if (r.admitted) admission.settle(r.reservation, 200);
    expect(admission.newcomerPool.available(time.now())).toBe(800);
    const s = await admission.acquire({ agent: 'x', cost: 500 });
    if (s.admitted) admission.settle(s.reservation, 700);
    expect(admission.view('x').balance).toBe(-200);
  });

  it('observe mode: the same decisions, never blocking', async () => {
    const { admission } = setup({ mode: 'observe', newcomerReserve: 300, newcomerAllowance: 1_000 });
    expect(await admission.acquire({ agent: 'x', cost: 300 })).toMatchObject({ admitted: true, decision: { reason: 'observe', wouldBe: { action: 'forward-from-newcomers' } } });
    const over = await admission.acquire({ agent: 'x', cost: 300 });
    expect(over).toMatchObject({ admitted: true, decision: { wouldBe: { action: 'reject' } } });
    expect(over.admitted && over.reservation.source).toBe('observe');
  });
});
