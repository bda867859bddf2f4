import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A body repeated within this long after its agent was refused it is a retry, not new demand (DESIGN §8). */
export const RETRY_WINDOW_MS = 60_000;

/** Bounds: agents with refusals on record, and refused bodies remembered per agent (least recent forgotten). */
const MAX_AGENTS = 1_000;
const MAX_BODIES_PER_AGENT = 256;

/**
 * The bodies each agent was recently refused (429 or refused from the queue), by fingerprint, so an SDK's
 * automatic retries of a throttled request are counted once in demand. A fingerprint is a hash of the raw
 * bytes already read (no second parse); it is only computed for an agent with refusals on record, or when
 * a request is refused, so an agent that is never throttled pays nothing.
 */
export class RefusedRequests {
  private readonly byAgent = new LRUCache<string, LRUCache<string, number>>({ max: MAX_AGENTS });

  /** True when `agent` was refused this body less than RETRY_WINDOW_MS before `now`. */
  isRetry(agent: string, fingerprint: Fingerprint, now: number): boolean {
    // Optional chaining skips the hash for an agent with nothing on record.
    const refusedAt = this.byAgent.get(agent)?.get(fingerprint.value);
    return refusedAt !== undefined && now - refusedAt < RETRY_WINDOW_MS;
  }

  /** The agent was refused this body at `now` (a refused retry starts the window again). */
  refused(agent: string, fingerprint: Fingerprint, now: number): void {
    let bodies = this.byAgent.get(agent);
    if (bodies === undefined) this.byAgent.set(agent, (bodies = new LRUCache({ max: MAX_BODIES_PER_AGENT })));
    bodies.set(fingerprint.value, now);
  }

  /** The body was admitted at last: the same body sent again later is new demand. */
  admitted(agent: string, fingerprint: Fingerprint): void {
    const bodies = this.byAgent.peek(agent);
    if (bodies === undefined) return;
    bodies.delete(fingerprint.value);
    if (bodies.size === 0) this.byAgent.delete(agent);
  }
}

/** A request body's fingerprint, hashed on first use. */
export class Fingerprint {
  private hashed: string | undefined;

  constructor(private readonly body: Uint8Array) {}

  get value(): string {
    // SHA-1 runs natively at memory speed; collisions only matter between one agent's own bodies.
    this.hashed ??= hash('sha1', this.body, 'base64');
    return this.hashed;
  }
}
