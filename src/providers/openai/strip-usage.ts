const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** Index just past the JSON string that opens at `i` (a `"`), or -1 if it does not close before `end`. */
function skipString(b: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = b[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

function skipWs(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i;
}

function bytesAt(b: Uint8Array, at: number, want: ArrayLike<number>): boolean {
  for (let k = 0; k < want.length; k++) if (b[at + k] !== want[k]) return false;
  return true;
}

/**
 * Where the top-level member `"<key>": null` of the JSON object in `b[start, end)` lies, with one adjoining
 * comma: the bytes to cut so every other byte stays as it was. Works on the bytes themselves (quotes,
 * backslashes and structure are ASCII, never part of a multi-byte UTF-8 character), so nothing is decoded or
 * re-encoded. Undefined when there is no such member.
 */
export function topLevelNullMember(b: Uint8Array, key: Uint8Array, start = 0, end = b.length): [number, number] | undefined {
  let depth = 0;
  let prevSignificant = -1; // the last structural byte at depth 1 ('{' or ',')
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) {
      const after = skipString(b, i, end);
      if (after < 0) return undefined;
      if (depth === 1) {
        const colon = skipWs(b, after, end);
        if (b[colon] === COLON && after - i - 2 === key.length && bytesAt(b, i + 1, key)) {
          const v = skipWs(b, colon + 1, end);
          if (v + 4 <= end && bytesAt(b, v, NULL)) {
            const valueEnd = v + 4;
            if (b[prevSignificant] === COMMA) return [prevSignificant, valueEnd];
            // First member: take the comma after it instead.
            const next = skipWs(b, valueEnd, end);
            if (b[next] === COMMA) return [i, skipWs(b, next + 1, end)];
            return [i, valueEnd];
          }
        }
      }
      i = after - 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) prevSignificant = i;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      prevSignificant = i;
    }
  }
  return undefined;
}
