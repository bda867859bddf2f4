import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../domain/canonical-json.js';
import { hashText } from './hash.js';
import type { CountPiece, MissCounter, PieceCounter } from './piece-counter.js';

/** Bounds of a {@link CountCache}. */
export interface CountCacheOptions {
  /** Most entries kept (default 50,000). */
  maxEntries?: number;
  /** Most bytes of keys kept, roughly (default 8 MiB). */
  maxBytes?: number;
}

/**
 * Token counts of message-sized JSON values, keyed by a hash of their canonical JSON.
 * Agents resend the whole conversation every turn, so turn 50 only counts its new message.
 */
export class CountCache implements PieceCounter, MissCounter {
  private readonly lru: LRUCache<string, number>;
  private hitCount = 0;
  private missCount = 0;

  constructor(opts: CountCacheOptions = {}) {
    this.lru = new LRUCache<string, number>({
      max: opts.maxEntries ?? 50_000,
      maxSize: opts.maxBytes ?? 8 * 1024 * 1024,
      // Key string (UTF-16) plus the entry's bookkeeping.
      sizeCalculation: (_v, key) => key.length * 2 + 64,
    });
  }

  /** The count of `value` under `kind` (which counting rules and encoding apply), computed once. */
  getOrCompute(kind: string, value: unknown, compute: () => number): number {
    const key = kind + ':' + cacheKey(value);
    const hit = this.lru.get(key);
    if (hit !== undefined) {
      this.hitCount++;
      return hit;
    }
    this.missCount++;
    const n = compute();
    this.lru.set(key, n);
    return n;
  }

  sum(kind: string, pieces: readonly unknown[], count: CountPiece): number {
    let n = 0;
    for (const p of pieces) n += this.getOrCompute(kind, p, () => count(p));
    return n;
  }

  piece(kind: string, piece: unknown, _index: number, count: CountPiece): number {
    return this.getOrCompute(kind, piece, () => count(piece));
  }

  once(_kind: string, piece: unknown, count: CountPiece): number {
    return count(piece);
  }

  /** Hits, misses and current entries, for metrics and benchmarks. */
  stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.hitCount, misses: this.missCount, entries: this.lru.size };
  }
}

/** Texts up to this length are their own key: hashing them costs more than the key bytes save. */
const INLINE_KEY_CHARS = 256;

/**
 * The key of a value: a plain `{role, content: string}` message (the common case) without serialising it,
 * anything else by its canonical JSON; long texts by their hash.
 */
function cacheKey(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const m = value as Record<string, unknown>;
    const keys = Object.keys(m);
    if ((keys.length === 2 || (keys.length === 3 && typeof m.name === 'string')) && typeof m.role === 'string' && typeof m.content === 'string') {
      const text = m.role + '\u0001' + (typeof m.name === 'string' ? m.name : '') + '\u0001' + m.content;
      return 'm' + (text.length <= INLINE_KEY_CHARS ? text : hashText(text));
    }
  }
  const text = canonicalJson(value);
  return 'j' + (text.length <= INLINE_KEY_CHARS ? text : hashText(text));
}

/** The process-wide cache the estimators use unless given another. */
export const defaultCountCache = new CountCache();
