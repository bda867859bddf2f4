import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderAdapter } from './adapter.js';
import type { ProviderName } from '../domain/provider-name.js';
import { AnthropicAdapter } from './anthropic/adapter.js';
import { OpenAIAdapter } from './openai/adapter.js';

const ROUTES: Record<string, { route: MeteredRoute; provider: ProviderName }> = {
  '/v1/chat/completions': { route: '/v1/chat/completions', provider: 'openai' },
  '/v1/completions': { route: '/v1/completions', provider: 'openai' },
  '/v1/responses': { route: '/v1/responses', provider: 'openai' },
  '/v1/embeddings': { route: '/v1/embeddings', provider: 'openai' },
  '/v1/messages': { route: '/v1/messages', provider: 'anthropic' },
};

let adapters: { openai: OpenAIAdapter; anthropic: AnthropicAdapter } | undefined;

/** The process-wide adapter of a provider (one instance each, so Anthropic's calibration is shared). */
export function adapterFor(provider: ProviderName): ProviderAdapter {
  adapters ??= { openai: new OpenAIAdapter(), anthropic: new AnthropicAdapter() };
  return adapters[provider];
}

/**
 * The metered route and provider of a request path (after any `/agents/{id}` prefix; a query string is ignored),
 * or undefined for unmetered paths such as `/v1/models` or `/v1/messages/count_tokens` (DESIGN §3).
 */
export function meteredRoute(path: string): { route: MeteredRoute; provider: ProviderName } | undefined {
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  return Object.hasOwn(ROUTES, p) ? ROUTES[p] : undefined;
}
