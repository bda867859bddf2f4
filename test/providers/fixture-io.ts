import { readFileSync } from 'node:fs';
import type { StreamMeter } from '../../src/providers/adapter.js';

/** A transcript fixture's bytes. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

/** Feed `chunks` through a meter; returns the bytes the client would receive. */
export function runMeter(meter: StreamMeter, chunks: Uint8Array[]): Uint8Array {
  const out: Uint8Array[] = [];
  for (const c of chunks) out.push(meter.push(c));
  out.push(meter.end());
  return Buffer.concat(out);
}

/** Split bytes at the given cut points (sorted, deduplicated, within range). */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}
