import type { ServerResponse } from 'node:http';
import type { ProviderName } from '../providers/adapter.js';
import { adapterFor } from '../providers/registry.js';
import { ProxyError } from './errors.js';

/** Answers an error in the provider's own shape (OpenAI or Anthropic by route). */
export function sendError(res: ServerResponse, provider: ProviderName, err: ProxyError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  const body = adapterFor(provider).errorBody({ status: err.status, code: err.code, message: err.message });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
    ...err.headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Writes a chunk, waiting for drain when the client is slow; resolves false if the client went away. */
export function writeChunk(res: ServerResponse, chunk: Uint8Array): Promise<boolean> | boolean {
  if (chunk.length === 0) return !res.destroyed;
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
