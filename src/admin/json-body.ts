import type { IncomingMessage } from 'node:http';
import { AdminError } from './errors.js';

/** Default cap on admin request bodies: they are small JSON documents. */
export const DEFAULT_ADMIN_MAX_BODY_BYTES = 64 * 1024;

/** Read a request body as JSON, refusing more than `maxBytes` (413) and anything that is not JSON (400). */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume(); // drain so the 413 can be written on a healthy socket
    throw new AdminError('body_too_large', `request body over ${maxBytes} bytes`);
  }
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering but keep draining (no destroy): the 413 must still reach the client.
        req.off('data', onData);
        req.resume();
        reject(new AdminError('body_too_large', `request body over ${maxBytes} bytes`));
        return;
      }
      parts.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(parts));
    req.once('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) throw new AdminError('invalid_body', 'request body is empty; expected JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AdminError('invalid_body', 'request body is not valid JSON', { cause });
  }
}
