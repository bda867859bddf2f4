import type { ProviderName } from '../domain/provider-name.js';
import { ProxyError } from './errors.js';

/** Request headers as node:http or the upstream header builder hold them. */
type Headers = Record<string, string | string[] | undefined>;

/**
 * The provider keys the proxy holds, and for whom it spends them (DESIGN §8). A key from the `apiKeys` map
 * is a virtual key: it names the caller to the proxy and is swapped for the configured key upstream, so it
 * never reaches the provider. Where the agents' port listens beyond loopback, the configured key is spent
 * only for callers presenting a virtual key; otherwise anyone who can reach the port spends the account.
 */
export class ProviderCredentials {
  constructor(
    private readonly keys: Readonly<Record<ProviderName, string | undefined>>,
    /** True beyond loopback unless `allowUnauthenticated` opted out. */
    private readonly requireVirtualKey: boolean,
  ) {}

  /** Refuses (401 `invalid_api_key`) a request to a provider whose configured key it may not spend. Call before anything is counted. */
  authorize(provider: ProviderName, virtualKey: boolean): void {
    if (!this.requireVirtualKey || virtualKey || this.keys[provider] === undefined) return;
    throw new ProxyError('invalid_api_key', 'this proxy forwards only requests that present an API key it issued (authorization: Bearer … or x-api-key)');
  }

  /**
   * Sets the key headers of a request about to be forwarded: the configured key replaces a virtual key and
   * fills in for a request with none; a client's own provider key passes untouched.
   */
  apply(provider: ProviderName, headers: Headers, virtualKey: boolean): void {
    const key = this.keys[provider];
    if (key === undefined) return;
    if (virtualKey) {
      delete headers.authorization;
      delete headers['x-api-key'];
    } else if (headers.authorization !== undefined || headers['x-api-key'] !== undefined) {
      return;
    }
    if (provider === 'anthropic') headers['x-api-key'] = key;
    else headers.authorization = `Bearer ${key}`;
  }
}
