import type { ReconciliationRecord } from '../accounting/record.js';
import type { Estimate, JsonObject, MeteredRoute, ProviderName } from '../providers/adapter.js';
import type { TaskRecordResult } from '../store/store.js';
import type { Hints } from './hints.js';

/** What the proxy core asks of accounting and enforcement; implemented in src/budget. */
export interface Metering {
  /** Estimate a metered request (may move large prompts off the event loop). */
  estimate(provider: ProviderName, route: MeteredRoute, body: JsonObject, agent: string, raw?: Buffer): Promise<Estimate>;
  /**
   * Reserve the estimate against the agent's budget, waiting in the priority queue if needed.
   * Rejects with a ProxyError (429 `token_budget_exceeded`, 503 `store_unavailable`) when refused.
   */
  admit(request: AdmissionRequest): Promise<Admission>;
  /** Reconcile an admitted request exactly once with what was really spent. */
  settle(admission: Admission, record: ReconciliationRecord): void;
  /** A task outcome reported by the agent itself on the agents' port; says whether it repeated one already counted. */
  reportTask(agent: string, task: string, completed: boolean, quality: number): Promise<TaskRecordResult>;
}

export interface AdmissionRequest {
  agent: string;
  provider: ProviderName;
  route: MeteredRoute;
  estimate: Estimate;
  hints: Hints;
  signal: AbortSignal;
}

export interface Admission {
  source: 'allocation' | 'burst';
  queuedMs: number;
  /** Response headers for the client (`x-ratelimit-*`, `x-token-ninja-*`). */
  headers: Record<string, string>;
  /** When the max-tokens clamp is on and the agent cannot afford the requested output, the output to ask for instead. */
  maxOutputTokens?: number;
}
