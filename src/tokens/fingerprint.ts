/**
 * A cheap fingerprint of a JSON value, for telling whether an agent resent the same message at the same place
 * in its conversation. Cost does not grow with text length: a string contributes its length and at most
 * {@link SAMPLE_CHARS} × 3 characters (its first and last {@link SAMPLE_CHARS}, and as many from evenly spaced
 * pairs in the middle; shorter strings entirely). Two independent 32-bit lanes give 53 bits, so a change inside the sample is missed with a
 * probability of about 2⁻⁵³. A same-length change that avoids every sampled character (e.g. a timestamp in
 * the middle of a long system prompt) is missed: the count of that message is then reused. That is accepted
 * because the count is an estimate that only sizes the agent's own reservation (settlement charges the
 * provider's reported usage), and such an edit moves the count by a few tokens at most.
 */
export function fingerprint(value: unknown): number {
  lane1 = SEED1;
  lane2 = SEED2;
  mixValue(value);
  // 32 bits of lane 1 and 21 of lane 2: exact in a double.
  return (fmix(lane1) >>> 0) * 2_097_152 + (fmix(lane2) >>> 11);
}

/** Characters taken from each of a long string's head, tail and middle. */
export const SAMPLE_CHARS = 64;

const SEED1 = 0x811c9dc5;
const SEED2 = 0x9747b28c;
// The running lanes: module state so the walk allocates nothing (the function is synchronous).
let lane1 = SEED1;
let lane2 = SEED2;

function mix(c: number): void {
  lane1 = Math.imul(lane1 ^ c, 0x01000193);
  lane2 = Math.imul(lane2 ^ c, 0x5bd1e995);
  lane2 ^= lane2 >>> 15;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function mixString(s: string): void {
  const n = s.length;
  mix(n);
  if (n <= SAMPLE_CHARS * 3) {
    mixRange(s, 0, n);
    return;
  }
  mixRange(s, 0, SAMPLE_CHARS);
  mixRange(s, n - SAMPLE_CHARS, n);
  // The middle: SAMPLE_CHARS / 2 evenly spaced pairs of characters.
  const stride = (n - 2 * SAMPLE_CHARS - 2) / (SAMPLE_CHARS / 2);
  for (let k = 0; k < SAMPLE_CHARS / 2; k++) {
    const at = SAMPLE_CHARS + Math.floor(k * stride);
    mix((s.charCodeAt(at) << 16) | s.charCodeAt(at + 1));
  }
}

/** Characters `from` to `to`, two per step (half the multiplications). */
function mixRange(s: string, from: number, to: number): void {
  let i = from;
  for (; i + 1 < to; i += 2) mix((s.charCodeAt(i) << 16) | s.charCodeAt(i + 1));
  if (i < to) mix(s.charCodeAt(i));
}

// Type tags, so `"1"`, `1`, `[1]` and `{"1":…}` differ.
const STRING = 1;
const NUMBER = 2;
const TRUE = 3;
const FALSE = 4;
const NULL = 5;
const ARRAY = 6;
const OBJECT = 7;
const OTHER = 8;

function mixValue(v: unknown): void {
  if (typeof v === 'string') {
    mix(STRING);
    mixString(v);
  } else if (typeof v === 'number') {
    mix(NUMBER);
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 31) mix(v);
    else mixString(String(v));
  } else if (v === true) mix(TRUE);
  else if (v === false) mix(FALSE);
  else if (v === null) mix(NULL);
  else if (Array.isArray(v)) {
    mix(ARRAY);
    mix(v.length);
    for (const x of v) mixValue(x);
  } else if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    mix(OBJECT);
    for (const k in o) {
      // Key order counts (a reordered message is recounted, never miscounted).
      mixString(k);
      mixValue(o[k]);
    }
  } else mix(OTHER);
}

/** UTF-16 code units of text in a value (its strings), roughly the tokenizing work it would cost. */
export function textChars(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) {
    let n = 0;
    for (const x of value) n += textChars(x);
    return n;
  }
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  const o = value as Record<string, unknown>;
  for (const k in o) n += textChars(o[k]);
  return n;
}
