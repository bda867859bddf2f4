import type { ReconciliationRecord } from '../accounting/record.js';
import type { Estimate } from '../domain/estimate.js';
import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { RequestTrace } from '../domain/request-trace.js';
import type { TaskRecordResult } from '../store/store.js';
import type { Hints } from './hints.js';

/** What the proxy core asks of accounting and enforcement; implemented in src/budget. */
export interface Metering {
  /** Estimate a metered request (may move large prompts off the event loop). */
  estimate(provider: ProviderName, route: MeteredRoute, body: JsonObject, agent: string, raw?: Buffer): Promise<Estimate>;
  /**
   * Reserve the estimate against the agent's budget, waiting in the priority queue if needed.
   * Rejects with a ProxyError when refused (429 `token_budget_exceeded`, 503 `store_unavailable`,
   * `client_closed` when the client left while waiting); a rejection holds no reservation.
   */
  admit(request: AdmissionRequest): Promise<Admission>;
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
  /** The request body's raw bytes as received: a refused body repeated by a retry counts once in demand. */
  body: Uint8Array;
  /** The request's span when tracing is on: told the budget decision. */
  trace?: RequestTrace;
}

/**
 * An admitted request holding a reservation, which ends exactly once: `settle` (the upstream was reached:
 * charge what it used) or `release` (it never was: charge nothing). Later calls are no-ops.
 */
export interface Admission {
  source: 'allocation' | 'burst';
  queuedMs: number;
  /** Response headers for the client (`x-ratelimit-*`, `x-token-ninja-*`). */
  headers: Record<string, string>;
  /** When the max-tokens clamp is on and the agent cannot afford the requested output, the output to ask for instead. */
  maxOutputTokens?: number;
  /** Reconcile with what was really spent (`record.charged` is filled in). */
  settle(record: ReconciliationRecord): void;
  /** Refund in full: nothing reached the upstream. */
  release(): void;
}
