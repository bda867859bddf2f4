/**
 * The last bytes of a JSON reply, kept while the rest is forwarded: providers put `usage` at the end of a
 * reply, so a reply too large to hold whole is still charged what the provider reported.
 */
export class JsonTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  /** The top-level `usage` member as `{ usage }`, or undefined when the tail holds none that parses. */
  usage(): { usage: unknown } | undefined {
    return usageFromTail(Buffer.concat(this.chunks, this.size));
  }
}

const USAGE_KEY = Buffer.from('"usage":');

/**
 * The last `"usage":{...}` object in `tail`. The key with its quotes cannot occur inside a JSON string
 * (quotes there are escaped), so the match is a real member; the last one is the top-level one in replies
 * whose `usage` follows their content, as OpenAI's and Anthropic's do.
 */
export function usageFromTail(tail: Buffer): { usage: unknown } | undefined {
  let at = tail.lastIndexOf(USAGE_KEY);
  while (at >= 0) {
    const end = objectEnd(tail, at + USAGE_KEY.length);
    if (end !== undefined) {
      try {
        return { usage: JSON.parse(tail.toString('utf8', at + USAGE_KEY.length, end)) };
      } catch {
        return undefined;
      }
    }
    at = at === 0 ? -1 : tail.lastIndexOf(USAGE_KEY, at - 1);
  }
  return undefined;
}

/** The index after the object starting at `from` (whitespace allowed first), or undefined if it is not one or is cut. */
function objectEnd(buf: Buffer, from: number): number | undefined {
  let i = from;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  if (buf[i] !== 0x7b /* { */) return undefined;
  let depth = 0;
  let inString = false;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i + 1;
  }
  return undefined;
}
