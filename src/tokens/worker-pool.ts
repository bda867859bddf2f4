import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MeteredRoute } from '../domain/metered-route.js';
import { TokenNinjaError } from '../errors/errors.js';
import type { CountJob, CountResult } from './count-worker.js';
import type { InputCount } from './openai-input.js';
import type { PieceCounts } from './recorded-pieces.js';

/** A body counted on the pool: the total and each piece's count. */
export type PooledCount = InputCount & { pieces: PieceCounts };

/** Options of a {@link TokenCountPool}. */
export interface TokenCountPoolOptions {
  /** Worker threads (default: cores − 1, at least 1). */
  size?: number;
  /** The compiled worker module (default: count-worker.js beside this file). */
  workerUrl?: URL;
}

interface Slot {
  worker: Worker;
  /** Crashed or exited: replaced on the next job (never in a loop, so a broken worker file cannot spin). */
  dead: boolean;
  pending: Map<number, { resolve: (c: PooledCount) => void; reject: (e: Error) => void }>;
}

/**
 * Counts request bodies' input tokens on worker threads, so a 100k-token prompt (tens of ms of BPE) never
 * blocks the event loop. Each job goes to the least-busy worker; a crashed worker fails its jobs and is replaced.
 */
export class TokenCountPool {
  private readonly slots: Slot[] = [];
  private readonly workerUrl: URL;
  private readonly size: number;
  private nextId = 1;
  private closed = false;

  constructor(opts: TokenCountPoolOptions = {}) {
    this.workerUrl = opts.workerUrl ?? new URL('./count-worker.js', import.meta.url);
    this.size = Math.max(1, opts.size ?? availableParallelism() - 1);
  }

  /** Raw (uncalibrated) input tokens of a request body, given as its raw JSON bytes or text. */
  count(route: MeteredRoute, body: string | Uint8Array): Promise<PooledCount> {
    if (this.closed) return Promise.reject(new TokenNinjaError('token_count_pool_closed', 500, 'token count pool is closed'));
    // Started on the first large body: an idle worker holds its own heap and encoding tables (~80 MB).
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i]?.dead) this.slots[i] = this.spawn();
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    // Copy just the body's bytes once (a view would be cloned with its whole backing buffer) and transfer
    // the copy, so the caller's buffer stays usable and nothing is cloned again.
    const bytes = typeof body === 'string' ? body : new Uint8Array(body);
    const job: CountJob = { id, route, body: bytes };
    return new Promise<PooledCount>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      if (slot.pending.size === 1) slot.worker.ref();
      slot.worker.postMessage(job, typeof bytes === 'string' ? [] : [bytes.buffer]);
    });
  }

  /** Stop the workers; pending jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.workerUrl), pending: new Map(), dead: false };
    // Idle workers must not keep the process alive.
    slot.worker.unref();
    slot.worker.on('message', (r: CountResult) => {
      const p = slot.pending.get(r.id);
      if (!p) return;
      slot.pending.delete(r.id);
      if (slot.pending.size === 0) slot.worker.unref();
      if (r.ok) p.resolve({ model: r.model, encoding: r.encoding, inputTokens: r.inputTokens, pieces: r.pieces });
      else p.reject(new TokenNinjaError('token_count_failed', 400, `could not count tokens: ${r.error}`));
    });
    const fail = (cause: unknown): void => {
      slot.dead = true;
      for (const p of slot.pending.values()) p.reject(new TokenNinjaError('token_count_worker_failed', 500, 'token count worker stopped', { cause }));
      slot.pending.clear();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (!slot.dead && !this.closed) fail(new Error(`worker exited with code ${code}`));
    });
    return slot;
  }
}
