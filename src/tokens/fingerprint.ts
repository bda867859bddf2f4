/**
 * A cheap fingerprint of a JSON value, for telling whether an agent resent the same message at the same place
 * in its conversation. Cost does not grow with text length: a string contributes its length and at most
 * {@link SAMPLE_CHARS} × 3 characters (its head, its tail and an evenly strided sample of the middle; shorter
 * strings entirely). Two independent 32-bit lanes give 53 bits, so a change inside the sample is missed with a
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
    for (let i = 0; i < n; i++) mix(s.charCodeAt(i));
    return;
  }
  for (let i = 0; i < SAMPLE_CHARS; i++) mix(s.charCodeAt(i));
  for (let i = n - SAMPLE_CHARS; i < n; i++) mix(s.charCodeAt(i));
  const stride = (n - 2 * SAMPLE_CHARS) / SAMPLE_CHARS;
  for (let k = 0; k < SAMPLE_CHARS; k++) mix(s.charCodeAt(SAMPLE_CHARS + Math.floor(k * stride)));
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
