import { Prng } from '../../src/simulate/prng.js';
import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionResult } from '../../src/budget/admission.js';
import { LocalBurstPool } from '../../src/budget/local-burst-pool.js';
import { PRIORITIES, type PriorityClass } from '../../src/domain/priority.js';
import { FakeTime } from './fake-time.js';

const TICK = 10_000;
const TICKS = 6;
const ALLOCATIONS: Record<string, number> = { a: 2_000, b: 5_000, c: 1_000, d: 8_000, e: 500 };
const AGENTS = Object.keys(ALLOCATIONS);
const BURST = 3_000;
const REQUESTS = 500;

/** A deterministic sequence (the simulator's mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

interface PerTick {
  /** Tokens reserved on the allocation (at admission) in the tick. */
  admitted: number;
  /** Tokens reserved from the burst pool in the tick. */
  burst: number;
  /** Tokens given back to the bucket in the tick (settled below the reservation, or released). */
  refunds: number;
  /** Burst tokens given back to this tick's pool by reservations drawn in it. */
  burstReturned: number;
  /** Balance when the tick began. */
  startBalance: number;
}

describe('Admission under concurrency', () => {
  it.each([1, 2, 3])('500 concurrent requests over 5 agents (seed %i): per-agent, per-tick admission stays within the bound and nothing leaks', async (seed) => {
    const random = rng(seed);
    const time = new FakeTime(0);
    const pool = new LocalBurstPool({ tickMs: TICK, capacity: BURST });
    const admission = new Admission({ tickMs: TICK, newcomerAllowance: 0, clock: time, scheduler: time, burstPool: pool, maxWaitMs: 8_000 });
    admission.applyAllocations({ allocations: ALLOCATIONS });

    const ticks = new Map<string, PerTick[]>();
    for (const agent of AGENTS) ticks.set(agent, Array.from({ length: TICKS + 2 }, () => ({ admitted: 0, burst: 0, refunds: 0, burstReturned: 0, startBalance: 0 })));
    const at = (agent: string, t: number): PerTick => ticks.get(agent)?.[Math.floor(t / TICK)] as PerTick;
    // Boundary timers are set first, so at a tick's first instant they run before any request.
    for (let k = 0; k <= TICKS + 1; k++) {
      time.setTimeout(() => {
        for (const agent of AGENTS) at(agent, k * TICK).startBalance = admission.view(agent).balance;
      }, k * TICK);
    }

    const maxCost = new Map<string, number>();
    const results: AdmissionResult[] = [];
    let ended = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const agent = AGENTS[Math.floor(random() * AGENTS.length)] as string;
      const cost = 50 + Math.floor(random() * 1_450);
      const priority = PRIORITIES[Math.floor(random() * PRIORITIES.length)] as PriorityClass;
      const arrival = Math.floor(random() * (TICKS - 1) * TICK);
      const deadline = random() < 0.2 ? arrival + Math.floor(random() * 6_000) : undefined;
      const abortAfter = random() < 0.15 ? Math.floor(random() * 4_000) : undefined;
      const upstreamFails = random() < 0.1; // never reached the upstream: released
      const duration = Math.floor(random() * 3_000);
      const usage = 0.3 + random() * 0.9; // actual / reserved: refunds and overcharges both happen
      maxCost.set(agent, Math.max(maxCost.get(agent) ?? 0, cost));
      time.setTimeout(() => {
        const controller = new AbortController();
        if (abortAfter !== undefined) time.setTimeout(() => controller.abort(), abortAfter);
        void admission.acquire({ agent, cost, priority, deadline, signal: controller.signal }).then((r) => {
          results.push(r);
          if (!r.admitted) return;
          const res = r.reservation;
          if (res.source === 'burst') at(agent, res.at).burst += res.amount;
          else at(agent, res.at).admitted += res.amount;
          time.setTimeout(() => {
            // A client gone mid-stream is charged what was generated so far.
            const actual = upstreamFails ? undefined : Math.round(cost * usage * (controller.signal.aborted ? 0.5 : 1));
            const ok = actual === undefined ? admission.release(res) : admission.settle(res, actual);
            expect(ok).toBe(true);
            ended++;
            const unused = actual === undefined ? cost : Math.max(0, cost - actual);
            if (res.source === 'allocation') at(agent, time.now()).refunds += unused;
            else if (Math.floor(time.now() / TICK) === Math.floor(res.at / TICK)) at(agent, res.at).burstReturned += unused;
          }, duration);
        });
      }, arrival);
    }

    await time.advance((TICKS + 1) * TICK);

    // Nothing leaked: every acquire resolved, every admitted reservation ended exactly once.
    expect(results).toHaveLength(REQUESTS);
    const admitted = results.filter((r) => r.admitted).length;
    expect(ended).toBe(admitted);
    const stats = admission.stats();
    expect(stats.ledger).toMatchObject({ inFlight: 0, reservations: admitted, duplicateEndings: 0 });
    expect(stats.ledger.settled + stats.ledger.released).toBe(admitted);
    expect(stats.queueDepth).toBe(0);
    expect(time.pending).toBe(0);
    // The run really was contended.
    expect(stats.queued).toBeGreaterThan(20);
    expect(stats.burst).toBeGreaterThan(5);
    expect(stats.rejected.aborted + stats.rejected['deadline-passed'] + stats.rejected['deadline-too-soon']).toBeGreaterThan(0);
    expect(stats.rejected['wait-too-long'] + stats.rejected['max-wait']).toBeGreaterThan(0);

    // The bound, per agent and tick (A = allocation per tick = bucket capacity):
    //   admitted on the allocation ≤ max(0, balance at tick start) + A + refunds in the tick + one request (the max cost)
    //   admitted from burst = its draws, and all agents' draws net of returns ≤ the pool capacity.
    // Why: each admission needs a positive balance, so after the tick's last one the balance is > −cost;
    // the balance only grows by refill (≤ A per tick) and refunds. The start balance is ≤ A (capacity),
    // so a tick admits at most A + draws + one request beyond what the bucket held and got back.
    for (const agent of AGENTS) {
      const allocation = ALLOCATIONS[agent] as number;
      const overshoot = maxCost.get(agent) ?? 0;
      for (const [k, t] of (ticks.get(agent) ?? []).entries()) {
        expect(t.startBalance, `${agent} tick ${k} start`).toBeLessThanOrEqual(allocation + 1e-6);
        expect(t.admitted, `${agent} tick ${k}`).toBeLessThanOrEqual(Math.max(0, t.startBalance) + allocation + t.refunds + overshoot + 1e-6);
      }
    }
    for (let k = 0; k < TICKS + 2; k++) {
      const drawn = AGENTS.reduce((sum, agent) => sum + at(agent, k * TICK).burst, 0);
      const returned = AGENTS.reduce((sum, agent) => sum + at(agent, k * TICK).burstReturned, 0);
      expect(drawn, `burst drawn in tick ${k}`).toBeLessThanOrEqual(BURST + returned);
    }
    expect(pool.stats().takenTokens).toBe(AGENTS.reduce((sum, agent) => sum + (ticks.get(agent) ?? []).reduce((s, t) => s + t.burst, 0), 0));
  });
});
