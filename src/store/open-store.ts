import { MemoryStore } from './memory-store.js';
import type { RedisStoreOptions } from './redis-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';
import { StoreSpecError } from './store-errors.js';
import type { Store } from './store.js';
import { WriteBehindStore } from './write-behind.js';

/** What a `TOKEN_NINJA_STORE` value names. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string };

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

const EXPECTED = 'expected "memory", "sqlite:PATH" or "redis://host:port[/db]"';

/** Parse a store spec; throws `StoreSpecError` (`store_spec_invalid`) naming what was wrong. */
export function parseStoreSpec(spec: string): StoreSpec {
  const s = spec.trim();
  if (s === 'memory') return { kind: 'memory' };
  if (s.startsWith('sqlite:')) {
    const path = s.slice('sqlite:'.length);
    if (path === '') throw new StoreSpecError(`store "${s}" has no file path: ${EXPECTED}`);
    return { kind: 'sqlite', path };
  }
  if (/^rediss?:\/\//.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch (err) {
      throw new StoreSpecError(`store "${redact(s)}" is not a valid URL: ${EXPECTED}`, { cause: err });
    }
    if (url.hostname === '') throw new StoreSpecError(`store "${redact(s)}" has no host: ${EXPECTED}`);
    if (!/^(\/\d*)?$/.test(url.pathname)) {
      throw new StoreSpecError(`store "${redact(s)}" names database "${url.pathname.slice(1)}"; it must be a number: ${EXPECTED}`);
    }
    return { kind: 'redis', url: s };
  }
  throw new StoreSpecError(`unknown store "${redact(s)}": ${EXPECTED}`);
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

/** Never echo a Redis password back into logs. */
function redact(spec: string): string {
  return spec.replace(/\/\/([^@/]*)@/, '//***@');
}
