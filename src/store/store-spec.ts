import { StoreSpecError } from './store-errors.js';

/** What a `TOKEN_NINJA_STORE` value names. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string };

const EXPECTED = 'expected "memory", "sqlite:PATH" or "redis://host:port[/db]"';

/** Parse a store spec; throws `StoreSpecError` (`store_spec_invalid`) naming what was wrong. */
export function parseStoreSpec(spec: string): StoreSpec {
  const s = spec.trim();
  if (s === 'memory') return { kind: 'memory' };
  if (s.startsWith('sqlite:')) {
    const path = s.slice('sqlite:'.length);
    if (path === '') throw new StoreSpecError(`store "${s}" has no file path: ${EXPECTED}`);
    return { kind: 'sqlite', path };
  }
  if (/^rediss?:\/\//.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch (err) {
      throw new StoreSpecError(`store "${redact(s)}" is not a valid URL: ${EXPECTED}`, { cause: err });
    }
    if (url.hostname === '') throw new StoreSpecError(`store "${redact(s)}" has no host: ${EXPECTED}`);
    if (!/^(\/\d*)?$/.test(url.pathname)) {
      throw new StoreSpecError(`store "${redact(s)}" names database "${url.pathname.slice(1)}"; it must be a number: ${EXPECTED}`);
    }
    return { kind: 'redis', url: s };
  }
  throw new StoreSpecError(`unknown store "${redact(s)}": ${EXPECTED}`);
}

/** Never echo a Redis password back into logs. */
function redact(spec: string): string {
  return spec.replace(/\/\/([^@/]*)@/, '//***@');
}
