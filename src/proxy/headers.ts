import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 hop-by-hop headers, plus those a proxy must recompute itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function connectionListed(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Set<string> | undefined {
  const c = headers.connection;
  if (c === undefined) return undefined;
  const list = (Array.isArray(c) ? c.join(',') : c).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return list.length > 0 ? new Set(list) : undefined;
}

/** The proxy's own `x-token-ninja-*` hint headers, never sent upstream. */
export function isTokenNinjaHeader(name: string): boolean {
  return name.startsWith('x-token-ninja-');
}

/**
 * Headers to send upstream: end-to-end client headers minus hop-by-hop ones and every `x-token-ninja-*`
 * hint, with content-length dropped when the proxy re-sends a body of its own length.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  opts: { dropContentLength: boolean; acceptIdentity: boolean },
): Record<string, string | string[]> {
  const listed = connectionListed(incoming);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || isTokenNinjaHeader(name) || listed?.has(name)) continue;
    if (opts.dropContentLength && name === 'content-length') continue;
    out[name] = value;
  }
  // Metered responses are read by the meter; compression on this hop buys nothing and would have to be undone.
  if (opts.acceptIdentity) out['accept-encoding'] = 'identity';
  return out;
}

/** Upstream response headers to give the client, minus hop-by-hop and (when the proxy rewrites the body) framing. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  opts: { dropLength: boolean; dropEncoding: boolean },
  /** The proxy's own headers, which replace upstream headers of the same name. */
  own?: Readonly<Record<string, string>>,
): OutgoingHttpHeaders {
  const listed = connectionListed(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    if (opts.dropLength && name === 'content-length') continue;
    if (opts.dropEncoding && name === 'content-encoding') continue;
    out[name] = value;
  }
  if (own !== undefined) for (const name in own) out[name] = own[name];
  return out;
}
