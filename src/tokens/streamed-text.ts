import { countText, type EncodingName } from './encoding.js';

/** Text kept for exact counting; past this, output is estimated at 4 characters a token (bounded memory). */
const MAX_KEPT_CHARS = 4 * 1024 * 1024;

/**
 * Output text already streamed to the client (content, tool-call arguments, reasoning deltas), counted with the
 * tokenizer on demand so a cut stream can be charged what it produced.
 */
export class StreamedText {
  private parts: string[] = [];
  private keptChars = 0;
  private overflowChars = 0;
  private counted = 0;
  private countedParts = 0;

  constructor(private readonly encoding: EncodingName) {}

  add(text: string): void {
    if (text.length === 0) return;
    if (this.keptChars + text.length > MAX_KEPT_CHARS) {
      this.overflowChars += text.length;
      return;
    }
    this.parts.push(text);
    this.keptChars += text.length;
  }

  /** Tokens of everything added so far (new text is counted once; counts are memoised). */
  tokens(): number {
    if (this.countedParts < this.parts.length) {
      // Counting the new tail separately can differ from counting the whole by a token at the seam; the
      // whole text is re-counted instead, which is exact and cheap next to the stream itself.
      this.counted = countText(this.parts.join(''), this.encoding);
      this.countedParts = this.parts.length;
    }
    return this.counted + Math.ceil(this.overflowChars / 4);
  }
}
