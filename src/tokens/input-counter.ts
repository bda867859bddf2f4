import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import { AgentCountCache } from './agent-count-cache.js';
import { defaultCountCache, type CountCache } from './count-cache.js';
import type { InputCount } from './openai-input.js';
import { replayedMisses } from './recorded-pieces.js';
import { countRequestInput } from './request-input.js';
import type { TokenCountPool } from './worker-pool.js';

/**
 * Bodies at least this large (bytes), and whose text not known from the agent's last request is this large
 * (UTF-16 units), are counted on the worker pool: at ~6–15 MB/s of BPE, 32 KiB is 2–5 ms of event-loop time;
 * less costs less than the hop to a worker.
 */
export const ASYNC_COUNT_THRESHOLD_BYTES = 32 * 1024;

/** Parts of an {@link InputCounter}. */
export interface InputCounterOptions {
  /** Where large new text is counted (none: everything inline). */
  pool?: TokenCountPool;
  /** Each agent's last request's pieces (default: a fresh cache). */
  agents?: AgentCountCache;
  /** The per-piece cache shared by all agents (default: the process-wide one). */
  cache?: CountCache;
  thresholdBytes?: number;
}

/**
 * Raw input tokens of requests: through the agent's cache of its last request, so a growing conversation
 * costs only its new messages, and on the worker pool when a large body brings much new text.
 */
export class InputCounter {
  private readonly pool: TokenCountPool | undefined;
  private readonly agents: AgentCountCache;
  private readonly cache: CountCache;
  private readonly thresholdBytes: number;

  constructor(opts: InputCounterOptions = {}) {
    this.pool = opts.pool;
    this.agents = opts.agents ?? new AgentCountCache();
    this.cache = opts.cache ?? defaultCountCache;
    this.thresholdBytes = opts.thresholdBytes ?? ASYNC_COUNT_THRESHOLD_BYTES;
  }

  /** Input tokens of `body` sent by `agent`; `rawBody` (its JSON bytes as received) lets a large one go to the pool. */
  async count(route: MeteredRoute, body: JsonObject, agent: string, rawBody?: Uint8Array | string): Promise<InputCount> {
    const { pool, agents } = this;
    if (pool !== undefined && rawBody !== undefined && byteLength(rawBody) >= this.thresholdBytes) {
      const probe = agents.probe(agent);
      countRequestInput(route, body, probe);
      if (probe.uncoveredChars < this.thresholdBytes) return countRequestInput(route, body, probe.counter(this.cache));
      const counted = await pool.count(route, rawBody);
      // The agent's cache learns the body from the worker's per-piece counts (nothing is counted here).
      countRequestInput(route, body, probe.counter(replayedMisses(counted.pieces)));
      return { model: counted.model, encoding: counted.encoding, inputTokens: counted.inputTokens };
    }
    return countRequestInput(route, body, agents.counter(agent, this.cache));
  }
}

function byteLength(raw: Uint8Array | string): number {
  return typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
}
