import type { ProviderName } from '../domain/provider-name.js';

/** One reconciled request: the estimate admission reserved, and the truth after (DESIGN §3, issue 3). */
export interface ReconciliationRecord {
  agent: string;
  task?: string;
  provider: ProviderName;
  route: string;
  model: string;
  estimatedInput: number;
  estimatedOutput: number;
  /** Input tokens charged, cached ones included. */
  actualInput: number;
  /** Of actualInput, served from the provider's cache. */
  cachedInput: number;
  /** Of actualInput, written to the provider's cache, where the provider reports it (Anthropic). */
  cacheCreationInput?: number;
  actualOutput: number;
  reasoningOutput: number;
  /** `provider` when the provider's usage arrived; `estimated` when the proxy had to count itself. */
  source: 'provider' | 'estimated';
  /** Tokens charged to the agent under the counting policy. */
  charged: number;
  status: number;
  durationMs: number;
  at: number;
}

export type ReconciliationListener = (record: ReconciliationRecord) => void;
