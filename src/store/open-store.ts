import { MemoryStore } from './memory-store.js';
import type { RedisStoreOptions } from './redis-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';
import { parseStoreSpec } from './store-spec.js';
import type { Store } from './store.js';
import { WriteBehindStore } from './write-behind.js';

export interface OpenStoreOptions {
  /** Write-behind flush interval for sqlite and redis (ms): the most a crash can lose. Default 1000. */
  flushMs?: number;
  /** Buffer hot-path writes (usage, tasks, first-seen) for sqlite and redis. Default true; memory is never buffered. */
  writeBehind?: boolean;
  /** Told about each failed background flush; the data stays buffered and is retried. */
  onFlushError?: (err: unknown) => void;
  /** Task outcomes the buffer holds while its backend keeps failing. Default 100 000. */
  maxPendingTasks?: number;
  sqlite?: SqliteStoreOptions;
  redis?: RedisStoreOptions;
}


/**
 * Open the store a spec names. sqlite and redis come wrapped in a `WriteBehindStore` (unless
 * `writeBehind: false`), so `flush()` exists on them and reads include unflushed writes.
 */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<Store> {
  const parsed = parseStoreSpec(spec);
  if (parsed.kind === 'memory') return new MemoryStore();
  // Loaded on demand: a memory or sqlite proxy never pays for the Redis client, and vice versa.
  const inner: Store =
    parsed.kind === 'sqlite'
      ? (await import('./sqlite-store.js')).SqliteStore.open(parsed.path, options.sqlite)
      : await (await import('./redis-store.js')).RedisStore.connect(parsed.url, options.redis);
  if (options.writeBehind === false) return inner;
  return new WriteBehindStore(inner, {
    ...(options.flushMs !== undefined && { flushMs: options.flushMs }),
    ...(options.onFlushError !== undefined && { onFlushError: options.onFlushError }),
    ...(options.maxPendingTasks !== undefined && { maxPendingTasks: options.maxPendingTasks }),
  });
}

