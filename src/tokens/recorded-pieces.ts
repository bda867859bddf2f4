import type { CountPiece, MissCounter, PieceCounter } from './piece-counter.js';

/** Each piece's count by kind and index, as counted elsewhere (the token-count worker). */
export type PieceCounts = Record<string, number[]>;

/** A counter that counts through `inner` and keeps every piece's count, to send back with the total. */
export class RecordingCounter implements PieceCounter {
  readonly pieces: PieceCounts = {};

  constructor(private readonly inner: PieceCounter) {}

  sum(kind: string, pieces: readonly unknown[], count: CountPiece): number {
    const counts = pieces.map((p) => this.inner.sum(kind, [p], count));
    this.pieces[kind] = counts;
    return counts.reduce((a, b) => a + b, 0);
  }

  once(kind: string, piece: unknown, count: CountPiece): number {
    const n = this.inner.once(kind, piece, count);
    this.pieces[kind] = [n];
    return n;
  }
}

/**
 * Misses answered from counts made elsewhere, so an agent's state learns a body the worker counted without
 * counting it again here; a piece missing from `pieces` (never expected) is counted.
 */
export function replayedMisses(pieces: PieceCounts): MissCounter {
  return {
    piece: (kind, piece, index, count) => pieces[kind]?.[index] ?? count(piece),
    once: (kind, piece, count) => pieces[kind]?.[0] ?? count(piece),
  };
}
