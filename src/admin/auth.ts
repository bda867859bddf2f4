import { createHash, timingSafeEqual } from 'node:crypto';

/** Outcome of checking an `authorization` header. */
export type AuthResult = 'ok' | 'missing' | 'wrong';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks `authorization: Bearer <token>` in constant time: both sides are hashed first so the
 * comparison runs on equal-length buffers and the token's length does not leak either.
 */
export class BearerAuth {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  check(header: string | undefined): AuthResult {
    if (header === undefined) return 'missing';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match?.[1]) return 'missing';
    return timingSafeEqual(digest(match[1]), this.expected) ? 'ok' : 'wrong';
  }
}
