import type { IncomingMessage } from 'node:http';
import { ProxyError } from './errors.js';

/** Reads a whole request body, refusing it with 413 as soon as it passes `limit`. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

/** Streams a request body through, failing with 413 once it passes `limit` (for unmetered pass-through); `onBytes` sees the running size. */
export async function* limitedBody(req: IncomingMessage, limit: number, onBytes?: (size: number) => void): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    onBytes?.(size);
    yield chunk;
  }
}

export function tooLarge(limit: number): ProxyError {
  return new ProxyError('body_too_large', `request body exceeds the limit of ${limit} bytes`);
}
