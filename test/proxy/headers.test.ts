import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../src/proxy/headers.js';

describe('upstreamRequestHeaders', () => {
  const incoming = {
    host: 'proxy:8080',
    connection: 'keep-alive, X-Hop',
    'x-hop': '1',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    upgrade: 'h2c',
    'proxy-authorization': 'Basic abc',
    'content-length': '42',
    'accept-encoding': 'gzip, br',
    authorization: 'Bearer sk-client',
    'x-api-key': 'sk-ant',
    'x-token-ninja-agent': 'a1',
    'x-token-ninja-priority': 'high',
    'x-token-ninja-anything': 'y',
    'anthropic-version': '2023-06-01',
    'x-stainless-lang': 'js',
  };

  it('drops hop-by-hop, connection-listed and every x-token-ninja-* header; keeps end-to-end ones and credentials', () => {
    expect(upstreamRequestHeaders(incoming, { dropContentLength: false, acceptIdentity: false })).toEqual({
      'content-length': '42',
      'accept-encoding': 'gzip, br',
      authorization: 'Bearer sk-client',
      'x-api-key': 'sk-ant',
      'anthropic-version': '2023-06-01',
      'x-stainless-lang': 'js',
    });
  });

  it('on metered routes: content-length recomputed by the client library, identity encoding asked for', () => {
    const out = upstreamRequestHeaders(incoming, { dropContentLength: true, acceptIdentity: true });
    expect(out['content-length']).toBeUndefined();
    expect(out['accept-encoding']).toBe('identity');
  });
});

describe('clientResponseHeaders', () => {
  const upstream = {
    'content-type': 'text/event-stream',
    'content-length': '100',
    'content-encoding': 'gzip',
    connection: 'keep-alive, x-internal',
    'x-internal': 'secret',
    'transfer-encoding': 'chunked',
    'x-request-id': 'req_1',
  };

  it('drops hop-by-hop and connection-listed headers', () => {
    expect(clientResponseHeaders(upstream, { dropLength: false, dropEncoding: false })).toEqual({
      'content-type': 'text/event-stream',
      'content-length': '100',
      'content-encoding': 'gzip',
      'x-request-id': 'req_1',
    });
  });

  it('drops framing the proxy changes when it rewrites the body', () => {
    expect(clientResponseHeaders(upstream, { dropLength: true, dropEncoding: true })).toEqual({ 'content-type': 'text/event-stream', 'x-request-id': 'req_1' });
  });
});
