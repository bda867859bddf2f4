import { LRUCache } from 'lru-cache';
import { fingerprint, textChars } from './fingerprint.js';
import type { CountPiece, MissCounter, PieceCounter } from './piece-counter.js';

/** Bounds of an {@link AgentCountCache}. */
export interface AgentCountCacheOptions {
  /** Most (agent, sequence) states kept, least recently used dropped first (default 20,000). */
  maxSequences?: number;
  /** Most pieces remembered over all states, 16 bytes each (default 1,000,000: ~16 MB). */
  maxPieces?: number;
}

/** What an agent sent last time in one place of its requests: each piece's fingerprint and count. */
interface SequenceState {
  fingerprints: Float64Array;
  counts: Float64Array;
}

/**
 * Per-agent memory of the last request's pieces, so a growing conversation costs per request only its new
 * messages: each piece is compared with the piece the agent sent at the same index last time by a sampled
 * {@link fingerprint} (cost independent of text length), and only pieces that differ are counted (through a
 * {@link MissCounter}, normally the process-wide per-message cache, which hashes them in full). Matching by index
 * rather than by fingerprint alone means a false match needs the same agent, place, length and samples.
 */
export class AgentCountCache {
  private readonly lru: LRUCache<string, SequenceState>;

  constructor(opts: AgentCountCacheOptions = {}) {
    this.lru = new LRUCache<string, SequenceState>({
      max: opts.maxSequences ?? 20_000,
      maxSize: opts.maxPieces ?? 1_000_000,
      sizeCalculation: (s) => s.counts.length + 1,
    });
  }

  /** A counter for one request of `agent`: remembered pieces reused, the others counted by `miss`. */
  counter(agent: string, miss: MissCounter): PieceCounter {
    return new AgentPieceCounter(this.lru, agent, miss, undefined);
  }

  /**
   * A dry run for one request of `agent`: counts nothing and changes nothing, but adds up in `uncoveredChars`
   * the text of the pieces that would need counting (to choose between counting inline and the worker pool).
   * Its `counter()` then counts the same body without fingerprinting it again.
   */
  probe(agent: string): AgentProbe {
    return new AgentPieceCounter(this.lru, agent, undefined, new Map());
  }

  /** Sequences and pieces held, for tests and benchmarks. */
  stats(): { sequences: number; pieces: number } {
    return { sequences: this.lru.size, pieces: this.lru.calculatedSize - this.lru.size };
  }
}

/** See {@link AgentCountCache.probe}. */
export interface AgentProbe extends PieceCounter {
  readonly uncoveredChars: number;
  /** A counter for the body just probed (same agent). */
  counter(miss: MissCounter): PieceCounter;
}

class AgentPieceCounter implements AgentProbe {
  uncoveredChars = 0;

  constructor(
    private readonly lru: LRUCache<string, SequenceState>,
    private readonly agent: string,
    /** Undefined in a probe: misses only add to `uncoveredChars`, and nothing is remembered. */
    private readonly miss: MissCounter | undefined,
    /** A probe records each kind's fingerprints here; the counter made from it reads them back. */
    private readonly fingerprintsByKind: Map<string, Float64Array> | undefined,
  ) {}

  counter(miss: MissCounter): PieceCounter {
    return new AgentPieceCounter(this.lru, this.agent, miss, this.fingerprintsByKind);
  }

  sum(kind: string, pieces: readonly unknown[], count: CountPiece): number {
    return this.countPieces(kind, pieces, count, false);
  }

  once(kind: string, piece: unknown, count: CountPiece): number {
    return this.countPieces(kind, [piece], count, true);
  }

  private countPieces(kind: string, pieces: readonly unknown[], count: CountPiece, once: boolean): number {
    const key = kind + '\u0000' + this.agent;
    const last = this.lru.get(key);
    const n = pieces.length;
    const known = this.fingerprintsByKind?.get(kind);
    const fingerprints = known?.length === n ? known : new Float64Array(n);
    if (this.miss === undefined) this.fingerprintsByKind?.set(kind, fingerprints);
    const counts = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const piece = pieces[i];
      const fp = fingerprints === known ? (fingerprints[i] as number) : fingerprint(piece);
      fingerprints[i] = fp;
      let c: number;
      if (last !== undefined && i < last.fingerprints.length && last.fingerprints[i] === fp) c = last.counts[i] as number;
      else c = this.countMiss(kind, piece, i, count, once);
      counts[i] = c;
      total += c;
    }
    if (this.miss !== undefined) this.lru.set(key, { fingerprints, counts });
    return total;
  }

  private countMiss(kind: string, piece: unknown, index: number, count: CountPiece, once: boolean): number {
    const { miss } = this;
    if (miss === undefined) {
      this.uncoveredChars += textChars(piece);
      return 0;
    }
    return once ? miss.once(kind, piece, count) : miss.piece(kind, piece, index, count);
  }
}
