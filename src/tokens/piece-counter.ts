/** Counts one piece of a request (a message, the tools, a prompt). */
export type CountPiece = (piece: unknown) => number;

/**
 * How the input counters count a request's pieces. `kind` names the piece's place in the request and its
 * counting rules (e.g. `oai-msg:o200k_base`); within one request every call uses a different kind.
 */
export interface PieceCounter {
  /** The summed counts of a sequence of pieces that repeat across requests (messages, tools). */
  sum(kind: string, pieces: readonly unknown[], count: CountPiece): number;
  /** The count of a piece not worth remembering across agents (a prompt, a response format). */
  once(kind: string, piece: unknown, count: CountPiece): number;
}

/** Counts the pieces an agent's last request did not have at the same place. */
export interface MissCounter {
  /** Piece `index` of the sequence `kind`. */
  piece(kind: string, piece: unknown, index: number, count: CountPiece): number;
  /** A piece counted with {@link PieceCounter.once}. */
  once(kind: string, piece: unknown, count: CountPiece): number;
}
