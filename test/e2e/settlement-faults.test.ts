import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { adapterFor } from '../../src/providers/registry.js';
import { startStack, type Stack } from './harness.js';
import { until } from './ports.js';

// An hour-long tick: no reallocation replaces the allocations and burst capacity the test sets.
const CONFIG = { reallocateSeconds: 3600, queue: { maxWaitMs: 0 } };
const BURST_CAPACITY = 100_000;

type Stage = 'after acquire' | 'preparing the body' | 'writeHead' | "the meter's end";

/** Makes the next metered request of the proxy throw at `stage`. */
function inject(stack: Stack, stage: Stage): void {
  const boom = () => new Error(`injected fault: ${stage}`);
  const openai = adapterFor('openai');
  switch (stage) {
    case 'after acquire':
      // The accountant reads the bucket right after acquire, to build the rate-limit headers.
      vi.spyOn(stack.app.admission, 'view').mockImplementationOnce(() => {
        throw boom();
      });
      return;
    case 'preparing the body':
      vi.spyOn(openai, 'prepare').mockImplementationOnce(() => {
        throw boom();
      });
      return;
    case 'writeHead': {
      const original = ServerResponse.prototype.writeHead;
      let thrown = false;
      // Only the proxy's metered reply carries x-token-ninja-source (the mock shares this process).
      vi.spyOn(ServerResponse.prototype, 'writeHead').mockImplementation(function (this: ServerResponse, ...args: unknown[]) {
        const headers = args[1] as OutgoingHttpHeaders | undefined;
        if (!thrown && headers !== undefined && typeof headers === 'object' && 'x-token-ninja-source' in headers) {
          thrown = true;
          throw boom();
        }
        return (original as (...a: unknown[]) => ServerResponse).apply(this, args);
      });
      return;
    }
    case "the meter's end": {
      const create = openai.createStreamMeter.bind(openai);
      vi.spyOn(openai, 'createStreamMeter').mockImplementationOnce((...args) => {
        const meter = create(...args);
        meter.end = () => {
          throw boom();
        };
        return meter;
      });
      return;
    }
  }
}


describe('a reservation ends whatever throws between admission and settlement', () => {
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

  const stages: Stage[] = ['after acquire', 'preparing the body', 'writeHead', "the meter's end"];
  const sources = [
    { source: 'allocation', agent: 'steady', priority: 'normal' },
    { source: 'burst', agent: 'bursty', priority: 'high' },
  ] as const;

  for (const { source, agent, priority } of sources) {
    for (const stage of stages) {
      it(`${source}-sourced request, fault ${stage}: nothing in flight, the burst pool whole`, async () => {
        const { admission } = stack.app;
        // `bursty` has nothing of its own, so a high-priority request is served from the burst buffer.
        admission.applyAllocations({ allocations: { steady: 1_000_000, bursty: 0 }, burstCapacity: BURST_CAPACITY });
        const pool = admission.burstPool.available(Date.now());
        const before = admission.stats().ledger;
        inject(stack, stage);
        const stream = stage === "the meter's end";
        const res = await request(`${stack.app.url}/agents/${agent}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-token-ninja-priority': priority },
          body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 40, stream, messages: [{ role: 'user', content: `fault ${stage}` }] }),
        });
        // Cut once the headers are out (a stream), else the proxy's own error.
        const text = await res.body.text().catch(() => '');
        if (stage !== "the meter's end") {
          expect(res.statusCode).toBe(500);
          expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal_error' } });
        } else {
          expect(res.headers['x-token-ninja-source']).toBe(source);
        }
        await until('the reservation ended', () => admission.stats().ledger.inFlight === 0);
        const after = admission.stats().ledger;
        expect(after.reservations - before.reservations).toBe(1);
        expect(after.settled + after.released - before.settled - before.released).toBe(1);
        const charged = after.chargedTokens - before.chargedTokens;
        const sentUpstream = stage === 'writeHead' || stage === "the meter's end";
        if (sentUpstream) {
          expect(after.settled - before.settled, 'reached the upstream: settled').toBe(1);
          expect(charged).toBeGreaterThan(0);
        } else {
          expect(after.released - before.released, 'never reached the upstream: released').toBe(1);
          expect(charged).toBe(0);
        }
        // Burst tokens drawn and not charged are back in the pool: whole when nothing was charged.
        const drawn = source === 'burst' ? charged : 0;
        expect(admission.burstPool.available(Date.now())).toBe(pool - drawn);
      });
    }
  }
});
