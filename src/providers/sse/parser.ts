/** One parsed server-sent event, with the exact bytes it occupied in the stream. */
export interface SseEvent {
  kind: 'event';
  /** The event's bytes as received, its terminating blank line included (empty when the parser keeps no raw bytes). */
  raw: Uint8Array;
  /** `event:` field, if any. */
  event?: string;
  /** `data:` lines joined with "\n"; undefined when the block had no data line (comments, stray blank lines). */
  data?: string;
  /** True when the stream ended before the blank line that completes this event. */
  unterminated?: boolean;
}

/** Bytes that were forwarded without being parsed (an event over the size limit). */
export interface SseSkipped {
  kind: 'skipped';
  raw: Uint8Array;
}

export type SseItem = SseEvent | SseSkipped;

/** Limits of an {@link SseParser}. */
export interface SseParserOptions {
  /** Largest event kept for parsing, in bytes (default 1 MiB); larger ones are passed on unparsed and counted. */
  maxEventBytes?: number;
  /**
   * Copy each event's bytes into `raw` (default true); a caller that forwards the input chunks itself can skip
   * the copy. Without it, a skipped item's `raw` holds only the bytes that were still in the input chunk.
   */
  keepRaw?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const decoder = new TextDecoder();
const NO_BYTES = new Uint8Array(0);

/**
 * A bounded, byte-level SSE parser (WHATWG event-stream rules): events may split across chunks at any byte,
 * lines end in CRLF, LF or CR, `:` lines are comments, `data:` lines join with "\n". Every input byte comes
 * out again in exactly one item, in order (unless `keepRaw` is off), so a caller can forward, drop or rewrite whole events.
 */
export class SseParser {
  private readonly maxEventBytes: number;
  private readonly keepRaw: boolean;
  private buf = new Uint8Array(4096);
  private len = 0;
  /** Next byte to scan; everything before it belongs to complete lines of the current event. */
  private scan = 0;
  /** Start of the current line. */
  private lineStart = 0;
  /** [start, end) of each complete non-empty line of the current event. */
  private lines: number[] = [];
  /** Inside an oversized event: bytes go straight out until its blank line. */
  private skipping = false;
  private skipAtLineStart = false;
  /** The last skipped byte was a CR: an LF right after it is the same line end. */
  private skipPendingCR = false;
  /** The oversized event's blank line was that CR: only its LF, if one comes, still belongs to the event. */
  private skipEnded = false;
  private oversized = 0;

  constructor(opts: SseParserOptions = {}) {
    this.maxEventBytes = opts.maxEventBytes ?? 1024 * 1024;
    this.keepRaw = opts.keepRaw ?? true;
  }

  /** Events over the size limit so far. */
  oversizedEvents(): number {
    return this.oversized;
  }

  /** Feed one chunk; returns the items it completed (possibly none). */
  push(chunk: Uint8Array): SseItem[] {
    const out: SseItem[] = [];
    let input = chunk;
    if (this.skipping) {
      const consumed = this.skipThrough(input);
      if (consumed > 0) out.push({ kind: 'skipped', raw: input.subarray(0, consumed) });
      if (this.skipping) return out;
      input = input.subarray(consumed);
    }
    this.append(input);
    this.drain(out, false);
    if (!this.skipping && this.len > this.maxEventBytes) {
      // The pending event is too big to keep: pass its bytes on unparsed and skip to its end.
      this.oversized++;
      out.push({ kind: 'skipped', raw: this.rawBytes(0, this.len) });
      // drain() stops short of the end only at a CR that may be half of a CRLF; it ended a line, and when
      // that line was empty it ended the event too.
      const pendingCR = this.scan < this.len;
      this.skipping = true;
      this.skipPendingCR = pendingCR;
      this.skipEnded = pendingCR && this.lineStart === this.scan;
      this.skipAtLineStart = pendingCR || this.lineStart === this.len;
      this.reset();
    }
    return out;
  }

  /** The stream ended: returns whatever is left (an unterminated last event is parsed and marked). */
  end(): SseItem[] {
    const out: SseItem[] = [];
    if (this.skipping) {
      this.stopSkipping(0);
      return out;
    }
    this.drain(out, true);
    if (this.len > 0) {
      if (this.lineStart < this.len) this.lines.push(this.lineStart, this.len);
      out.push(this.makeEvent(0, this.len, true));
      this.reset();
    }
    return out;
  }

  private reset(): void {
    this.len = 0;
    this.scan = 0;
    this.lineStart = 0;
    this.lines = [];
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + chunk.length) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  /** Scan complete lines; dispatch an event at each blank line; then drop the dispatched bytes. */
  private drain(out: SseItem[], atEnd: boolean): void {
    const b = this.buf;
    let start = 0;
    let i = this.scan;
    while (i < this.len) {
      const c = b[i];
      if (c !== LF && c !== CR) {
        i++;
        continue;
      }
      let next = i + 1;
      if (c === CR) {
        if (next === this.len && !atEnd) break; // A CR at the chunk's end may be half of a CRLF.
        if (b[next] === LF) next++;
      }
      if (i === this.lineStart) {
        // Sized on the whole event, so the verdict does not depend on where the chunks were cut.
        if (next - start > this.maxEventBytes) {
          this.oversized++;
          out.push({ kind: 'skipped', raw: this.rawBytes(start, next) });
        } else {
          out.push(this.makeEvent(start, next, false));
        }
        start = next;
        this.lines = [];
      } else {
        this.lines.push(this.lineStart, i);
      }
      this.lineStart = next;
      i = next;
    }
    this.scan = i;
    if (start > 0) this.compact(start);
  }

  /** Drop the first `n` bytes (events already dispatched). */
  private compact(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.scan -= n;
    this.lineStart -= n;
    for (let k = 0; k < this.lines.length; k++) this.lines[k] = (this.lines[k] ?? 0) - n;
    if (this.buf.length > 65_536 && this.len < this.buf.length / 4) {
      // Give back memory a large event needed once.
      const smaller = new Uint8Array(Math.max(4096, this.len * 2));
      smaller.set(this.buf.subarray(0, this.len));
      this.buf = smaller;
    }
  }

  private makeEvent(start: number, end: number, unterminated: boolean): SseEvent {
    const bytes = this.buf.subarray(start, end);
    const ev: SseEvent = { kind: 'event', raw: this.rawBytes(start, end) };
    if (unterminated) ev.unterminated = true;
    let data: string | undefined;
    for (let k = 0; k < this.lines.length; k += 2) {
      let line = decoder.decode(bytes.subarray((this.lines[k] ?? 0) - start, (this.lines[k + 1] ?? 0) - start));
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1); // A byte-order mark may open the stream.
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data = data === undefined ? value : data + '\n' + value;
      else if (field === 'event') ev.event = value;
    }
    if (data !== undefined) ev.data = data;
    return ev;
  }

  /** A copy of buffered bytes for an item's `raw`, or none when the parser keeps no raw bytes. */
  private rawBytes(start: number, end: number): Uint8Array {
    // Buffer.from copies into the pooled slab: cheaper than a fresh ArrayBuffer per event.
    return this.keepRaw ? Buffer.from(this.buf.subarray(start, end)) : NO_BYTES;
  }

  /** While skipping an oversized event: how many bytes of `chunk` belong to it (through its blank line). */
  private skipThrough(chunk: Uint8Array): number {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.skipPendingCR) {
        this.skipPendingCR = false;
        if (this.skipEnded) return this.stopSkipping(c === LF ? i + 1 : i);
        if (c === LF) continue; // Second half of a CRLF: the line ended at the CR already.
      }
      if (c !== LF && c !== CR) {
        this.skipAtLineStart = false;
      } else if (!this.skipAtLineStart) {
        this.skipAtLineStart = true;
        this.skipPendingCR = c === CR;
      } else if (c === LF) {
        return this.stopSkipping(i + 1);
      } else {
        // A blank line ended by CR: an LF may follow, here or at the start of the next chunk.
        this.skipEnded = true;
        this.skipPendingCR = true;
      }
    }
    return chunk.length;
  }

  /** Leave the oversized event; returns `consumed` for the caller's convenience. */
  private stopSkipping(consumed: number): number {
    this.skipping = false;
    this.skipEnded = false;
    this.skipPendingCR = false;
    this.skipAtLineStart = false;
    return consumed;
  }
}
