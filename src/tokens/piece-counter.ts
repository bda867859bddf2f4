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
