/** Parse an event's `data` as JSON; malformed text gives undefined, never an exception. */
export function parseEventJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/** Concatenate byte arrays, returning the only one as-is when there is just one (no copy). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY_BYTES;
  if (parts.length === 1) return parts[0] ?? EMPTY_BYTES;
  return Buffer.concat(parts);
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
