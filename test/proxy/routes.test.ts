import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/proxy/errors.js';
import { AGENT_ID_PATTERN as AGENT_ID } from '../../src/domain/agent-id.js';
import { providerOfTarget, resolvePath } from '../../src/proxy/routes.js';

/** Request-target classification: what is accepted never leaves /v1-style origin-form paths, whatever the encoding. */

function decodeLoose(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

describe('resolvePath', () => {
  it('classifies the routes of DESIGN §3', () => {
    expect(resolvePath('POST', '/v1/chat/completions').route).toEqual({ kind: 'metered', provider: 'openai', route: '/v1/chat/completions' });
    expect(resolvePath('POST', '/v1/messages').route).toEqual({ kind: 'metered', provider: 'anthropic', route: '/v1/messages' });
    expect(resolvePath('POST', '/v1/messages/count_tokens').route).toEqual({ kind: 'passthrough', provider: 'anthropic' });
    expect(resolvePath('GET', '/v1/chat/completions').route).toEqual({ kind: 'passthrough', provider: 'openai' });
    expect(resolvePath('GET', '/v1/models').route).toEqual({ kind: 'passthrough', provider: 'openai' });
    expect(resolvePath('POST', '/token-ninja/v1/estimate').route).toEqual({ kind: 'estimate' });
    expect(resolvePath('POST', '/agents/a1/token-ninja/v1/tasks').route).toEqual({ kind: 'tasks' });
    expect(resolvePath('GET', '/healthz').route).toEqual({ kind: 'not_found' });
    const p = resolvePath('POST', '/agents/planner.v2_x-y/v1/responses?stream=1');
    expect(p).toEqual({ agentFromPath: 'planner.v2_x-y', pathname: '/v1/responses', upstreamPath: '/v1/responses?stream=1', route: { kind: 'metered', provider: 'openai', route: '/v1/responses' } });
  });

  it.each(['http://evil/v1/models', '//evil/v1', '*', 'v1/models', '/v1/../x', '/v1/%2e%2E/x', '/v1/a%2fb', '/v1\\x', '/agents/%zz/v1', '/v1/%'])('refuses %s with a 400', (target) => {
    let caught: unknown;
    try {
      resolvePath('GET', target);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProxyError);
    expect((caught as ProxyError).status).toBe(400);
  });

  it('property: an accepted target is an origin-form path with no dot segment after decoding, and a valid agent', () => {
    const piece = fc.constantFrom('/', '.', '..', '%2e', '%2E', '%2f', '%2F', '%5c', '\\', 'v1', 'agents', 'a1', 'models', '?', '%', '%25', 'x y', ':', '@', '#');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const target = `/${pieces.join('')}`;
        let resolved;
        try {
          resolved = resolvePath('GET', target);
        } catch (err) {
          expect(err).toBeInstanceOf(ProxyError);
          expect((err as ProxyError).status).toBe(400);
          return;
        }
        const { upstreamPath, pathname, agentFromPath } = resolved;
        expect(upstreamPath.startsWith('/')).toBe(true);
        expect(upstreamPath.startsWith('//')).toBe(false);
        for (const seg of pathname.split('/')) {
          const d = decodeLoose(seg);
          expect(d === '.' || d === '..' || d.includes('/') || d.includes('\\')).toBe(false);
        }
        if (agentFromPath !== undefined) expect(AGENT_ID.test(agentFromPath)).toBe(true);
        // Resolved against an upstream origin, it stays on that origin.
        expect(new URL(upstreamPath, 'http://upstream.example').host).toBe('upstream.example');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('providerOfTarget', () => {
  it('names the error shape even for targets resolvePath refuses', () => {
    expect(providerOfTarget('/agents/bad%20id/v1/messages')).toBe('anthropic');
    expect(providerOfTarget('/agents/x/v1/messages/../../y')).toBe('anthropic');
    expect(providerOfTarget('/v1/messages?beta=true')).toBe('anthropic');
    expect(providerOfTarget('/agents/bad%20id/v1/chat/completions')).toBe('openai');
    expect(providerOfTarget('http://evil/v1/messages')).toBe('openai');
    expect(providerOfTarget('/agents')).toBe('openai');
  });
});
