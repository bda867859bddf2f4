import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionResult } from '../../src/budget/admission.js';
import type { Reservation } from '../../src/budget/ledger.js';
import { LocalBurstPool } from '../../src/budget/local-burst-pool.js';
import { PRIORITIES } from '../../src/domain/priority.js';
import { FakeTime, flush } from './fake-time.js';

const AGENTS = ['a', 'b', 'c'] as const;
const TICK = 10_000;
const EPS = 1e-6;

const op = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('acquire' as const),
      agent: fc.constantFrom(...AGENTS),
      cost: fc.integer({ min: 0, max: 1_500 }),
      priority: fc.constantFrom(...PRIORITIES),
      deadlineIn: fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: undefined }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), ratio: fc.double({ min: 0, max: 1.5, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('again' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3_000 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reallocate' as const),
      allocations: fc.tuple(fc.integer({ min: 0, max: 8_000 }), fc.integer({ min: 0, max: 8_000 }), fc.integer({ min: 0, max: 8_000 })),
      burst: fc.integer({ min: 0, max: 6_000 }),
    }),
  },
);

describe('Admission properties', () => {
  it('bucket and pool arithmetic stays consistent over random reserve/settle/release/abort/refill/reallocate sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 80 }), fc.constantFrom('enforce' as const, 'observe' as const), async (ops, mode) => {
        const time = new FakeTime(1_000_000);
        const pool = new LocalBurstPool({ tickMs: TICK, capacity: 1_500 });
        const admission = new Admission({ tickMs: TICK, newcomerAllowance: 500, clock: time, scheduler: time, burstPool: pool, mode, maxWaitMs: 20_000 });

        // The admission rule, checked where it applies: an allocation reservation starts from a positive balance.
        const ledger = admission.ledger;
        const reserve = ledger.reserve.bind(ledger);
        let maxCost = 0;
        ledger.reserve = (agent, amount, now, source) => {
          if (source === 'allocation') expect(ledger.balance(agent, now)).toBeGreaterThan(0);
          maxCost = Math.max(maxCost, amount);
          return reserve(agent, amount, now, source);
        };

        const open: Reservation[] = [];
        const ended: Reservation[] = [];
        const controllers: AbortController[] = [];
        const results: (AdmissionResult | undefined)[] = [];
        let resolved = 0;
        let charged = 0;
        let duplicates = 0;
        let burstReserved = 0;
        let burstUnused = 0;
        const extra = new Map<string, number>();
        const pick = <T>(list: T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
        const endOne = (r: Reservation, actual: number | undefined): void => {
          const ok = actual === undefined ? admission.release(r) : admission.settle(r, actual);
          expect(ok).toBe(true);
          open.splice(open.indexOf(r), 1);
          ended.push(r);
          if (actual !== undefined) charged += actual;
          if (r.source === 'burst') burstUnused += actual === undefined ? r.amount : Math.max(0, r.amount - actual);
          if (actual !== undefined && actual > r.amount && r.source !== 'observe') extra.set(r.agent, (extra.get(r.agent) ?? 0) + actual - r.amount);
        };
        const check = (): void => {
          const now = time.now();
          for (const agent of AGENTS) {
            const v = ledger.view(agent, now);
            expect(v.balance).toBeLessThanOrEqual(v.capacity + EPS);
            // Debt: one request beyond zero, plus what settles charged above their reservations.
            if (mode === 'enforce') expect(v.balance).toBeGreaterThanOrEqual(-maxCost - (extra.get(agent) ?? 0) - EPS);
          }
          const s = pool.state(now);
          expect(s.available).toBeGreaterThanOrEqual(0);
          expect(s.available).toBeLessThanOrEqual(s.capacity);
          const st = admission.stats();
          expect(st.ledger.inFlight).toBe(open.length);
          expect(st.ledger.chargedTokens).toBeCloseTo(charged, 6);
          expect(st.ledger.duplicateEndings).toBe(duplicates);
          expect(st.ledger.settled + st.ledger.released).toBe(ended.length);
        };

        for (const o of ops) {
          switch (o.kind) {
            case 'acquire': {
              const controller = new AbortController();
              controllers.push(controller);
              const slot = results.length;
              results.push(undefined);
              const deadline = o.deadlineIn === undefined ? undefined : time.now() + o.deadlineIn;
              void admission.acquire({ agent: o.agent, cost: o.cost, priority: o.priority, deadline, signal: controller.signal }).then((r) => {
                expect(results[slot]).toBeUndefined(); // resolved once
                results[slot] = r;
                resolved++;
                if (r.admitted) {
                  open.push(r.reservation);
                  if (r.reservation.source === 'burst') burstReserved += r.reservation.amount;
                }
              });
              break;
            }
            case 'settle': {
              const r = pick(open, o.pick);
              if (r) endOne(r, Math.round(r.amount * o.ratio));
              break;
            }
            case 'release': {
              const r = pick(open, o.pick);
              if (r) endOne(r, undefined);
              break;
            }
            case 'again': {
              const r = pick(ended, o.pick);
              if (r) {
                expect(o.pick % 2 === 0 ? admission.settle(r, 1) : admission.release(r)).toBe(false);
                duplicates++;
              }
              break;
            }
            case 'abort':
              pick(controllers, o.pick)?.abort();
              break;
            case 'advance':
              await time.advance(o.ms);
              break;
            case 'reallocate':
              admission.applyAllocations({
                allocations: { a: o.allocations[0], b: o.allocations[1], c: o.allocations[2] },
                burstCapacity: o.burst,
              });
              break;
          }
          await flush();
          check();
        }

        // Nothing waits past its max wait: after it, every acquire has resolved.
        await time.advance(20_001);
        expect(resolved).toBe(results.length);
        expect(admission.stats().queueDepth).toBe(0);
        // End everything still open: nothing is lost, in-flight goes to zero.
        for (const r of [...open]) endOne(r, r.amount);
        check();
        const st = admission.stats();
        expect(st.ledger.inFlight).toBe(0);
        expect(st.ledger.inFlightTokens).toBeCloseTo(0, 6);
        expect(st.ledger.reservations).toBe(results.filter((r) => r?.admitted).length);
        // Pool: every token drawn for a burst reservation is either used or handed back (returned or expired).
        const p = pool.stats();
        expect(p.takenTokens).toBeCloseTo(burstReserved, 6);
        expect(p.returnedTokens + p.expiredTokens).toBeCloseTo(burstUnused, 6);
        expect(time.pending).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
