import { hash } from 'node:crypto';

/** A stable JSON text for a value: object keys sorted, so key order never changes a cache key. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(k) + ':' + canonicalJson(v);
  }
  return out + '}';
}

/**
 * A fast, collision-resistant key for a text (SHA-1 in native code; not used for security). The one-shot
 * `crypto.hash` costs half of a `createHash` object per call, and this runs per message per request.
 */
export function hashText(text: string): string {
  return hash('sha1', text, 'base64');
}
