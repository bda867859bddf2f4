import { describe, expect, it } from 'vitest';
import { adapterFor, meteredRoute } from '../../src/providers/registry.js';

describe('registry', () => {
  it('maps the five metered paths', () => {
    expect(meteredRoute('/v1/chat/completions')).toEqual({ route: '/v1/chat/completions', provider: 'openai' });
    expect(meteredRoute('/v1/completions')?.provider).toBe('openai');
    expect(meteredRoute('/v1/responses')?.provider).toBe('openai');
    expect(meteredRoute('/v1/embeddings?x=1')?.route).toBe('/v1/embeddings');
    expect(meteredRoute('/v1/messages')).toEqual({ route: '/v1/messages', provider: 'anthropic' });
  });
  it('leaves other paths unmetered', () => {
    for (const p of ['/v1/messages/count_tokens', '/v1/models', '/v1/files', '/v1/chat/completions/abc', '/toString', '/constructor']) {
      expect(meteredRoute(p)).toBeUndefined();
    }
  });
  it('one adapter per provider', () => {
    expect(adapterFor('openai').provider).toBe('openai');
    expect(adapterFor('anthropic')).toBe(adapterFor('anthropic'));
  });
});
