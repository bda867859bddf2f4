import { ProxyError } from '../../src/proxy/errors.js';

/** `"<status> <code>"` of the ProxyError `fn` throws, or undefined when it throws none. */
export function proxyErrorOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProxyError) return `${err.status} ${err.code}`;
    throw err;
  }
  return undefined;
}
