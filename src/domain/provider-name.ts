/** The upstream API formats the proxy meters. */
export type ProviderName = 'openai' | 'anthropic';
