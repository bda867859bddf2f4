/**
 * Exact pieces of a JSON scanner, for reading events whose text is known apart from a few values without
 * JSON.parse: each accepts precisely what JSON.parse accepts for that value, or reports failure (-1), so a
 * caller that matches the rest of the text literally can stand in for a parse and fall back to one otherwise.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;

/** Whether `c` may follow a backslash in a JSON string (`u` is checked with its four hex digits). */
function isSimpleEscape(c: number): boolean {
  // " \ / b f n r t
  return c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Index just past the JSON string opening at `s[i]`, or -1 when none opens there or it is not valid JSON. */
export function jsonStringEnd(s: string, i: number): number {
  if (s.charCodeAt(i) !== QUOTE) return -1;
  const n = s.length;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = s.charCodeAt(j + 1);
      if (isSimpleEscape(e)) j++;
      else if (e === 0x75 && isHex(s.charCodeAt(j + 2)) && isHex(s.charCodeAt(j + 3)) && isHex(s.charCodeAt(j + 4)) && isHex(s.charCodeAt(j + 5))) j += 5;
      else return -1;
    }
  }
  return -1;
}

/** The value of the valid JSON string `s[start, end)` (as checked by {@link jsonStringEnd}). */
export function jsonStringValue(s: string, start: number, end: number): string {
  const body = s.slice(start + 1, end - 1);
  return body.includes('\\') ? (JSON.parse(s.slice(start, end)) as string) : body;
}

/** Index just past the JSON non-negative integer at `s[i]` (`0` or no leading zero), or -1. */
export function jsonUintEnd(s: string, i: number): number {
  const first = s.charCodeAt(i);
  if (first === ZERO) return i + 1;
  if (!(first > ZERO && first <= NINE)) return -1;
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= ZERO && s.charCodeAt(j) <= NINE) j++;
  return j;
}
