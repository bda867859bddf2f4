import { hash } from 'node:crypto';

/**
 * A fast, collision-resistant key for a text (SHA-1 in native code; not used for security). The one-shot
 * `crypto.hash` costs half of a `createHash` object per call, and this runs per message per request.
 */
export function hashText(text: string): string {
  return hash('sha1', text, 'base64');
}
