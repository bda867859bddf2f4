/** Response ids shaped like the providers' (prefix + base62), random or derived from a seed. */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function base62(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i % bytes.length] as number) % 62];
  return out;
}

/** A provider-style id: `chatcmpl-…`, `msg_…`, `resp_…`. With a seed, the same seed and prefix give the same id. */
export function makeId(prefix: string, seed: string): string {
  const bytes = seed === '' ? randomBytes(24) : createHash('sha256').update(`${seed}\0${prefix}`).digest();
  return prefix + base62(bytes, 24);
}
