import { describe, expect, it } from 'vitest';
import { ProviderCredentials } from '../../src/proxy/provider-credentials.js';
import { proxyErrorOf } from './proxy-error-of.js';

/** Which key goes upstream (DESIGN §8): virtual keys are swapped for the configured one; beyond loopback, no open relay. */

const keys = { openai: 'sk-company-openai', anthropic: undefined };


describe('ProviderCredentials.authorize', () => {
  const exposed = new ProviderCredentials(keys, true);
  it('beyond loopback, the configured key is spent only for a virtual key', () => {
    expect(proxyErrorOf(() => exposed.authorize('openai', false))).toBe('401 invalid_api_key');
    expect(proxyErrorOf(() => exposed.authorize('openai', true))).toBeUndefined();
  });
  it('a provider without a configured key is not guarded (the caller spends its own key)', () => {
    expect(proxyErrorOf(() => exposed.authorize('anthropic', false))).toBeUndefined();
  });
  it('on loopback or with allowUnauthenticated nothing is refused', () => {
    expect(proxyErrorOf(() => new ProviderCredentials(keys, false).authorize('openai', false))).toBeUndefined();
  });
});

describe('ProviderCredentials.apply', () => {
  const creds = new ProviderCredentials({ openai: 'sk-co-openai', anthropic: 'sk-co-anthropic' }, false);
  it('injects the configured key in the provider’s header when the client sends none', () => {
    const h: Record<string, string | undefined> = {};
    creds.apply('openai', h, false);
    expect(h).toEqual({ authorization: 'Bearer sk-co-openai' });
    const a: Record<string, string | undefined> = {};
    creds.apply('anthropic', a, false);
    expect(a).toEqual({ 'x-api-key': 'sk-co-anthropic' });
  });
  it('leaves a client’s own key untouched', () => {
    const h: Record<string, string | undefined> = { authorization: 'Bearer sk-own' };
    creds.apply('openai', h, false);
    expect(h).toEqual({ authorization: 'Bearer sk-own' });
    const a: Record<string, string | undefined> = { 'x-api-key': 'sk-own' };
    creds.apply('anthropic', a, false);
    expect(a).toEqual({ 'x-api-key': 'sk-own' });
  });
  it('replaces a virtual key, removing both of the caller’s key headers', () => {
    const h: Record<string, string | undefined> = { authorization: 'Bearer sk-virtual', 'x-api-key': 'sk-virtual', other: 'kept' };
    creds.apply('openai', h, true);
    expect(h).toEqual({ authorization: 'Bearer sk-co-openai', other: 'kept' });
    const a: Record<string, string | undefined> = { authorization: 'Bearer sk-virtual', 'x-api-key': 'sk-virtual' };
    creds.apply('anthropic', a, true);
    expect(a).toEqual({ 'x-api-key': 'sk-co-anthropic' });
  });
  it('without a configured key, every key passes as sent', () => {
    const h: Record<string, string | undefined> = { authorization: 'Bearer sk-virtual' };
    new ProviderCredentials({ openai: undefined, anthropic: undefined }, false).apply('openai', h, true);
    expect(h).toEqual({ authorization: 'Bearer sk-virtual' });
  });
});
