import type { ProviderName } from '../domain/provider-name.js';
import type { ReconciliationRecord } from '../accounting/record.js';
import type { PriorityClass } from '../domain/priority.js';

/** How a request on the agents' port ended, for the requests_total metric (DESIGN §5). */
export type RequestOutcome = 'forwarded' | 'queued' | 'burst' | 'rejected' | 'upstream_error' | 'client_closed' | 'error';

/** Everything known about one request when it ends: one log line and its metrics. */
export interface RequestInfo {
  method: string;
  /** Route label: a metered path, `passthrough`, `token-ninja`, or `other`. */
  route: string;
  provider?: ProviderName;
  agent?: string;
  model?: string;
  /** The model the provider's reply says answered (metered routes). */
  responseModel?: string;
  status: number;
  outcome: RequestOutcome;
  errorCode?: string;
  /** The thrown value behind an `internal_error` (a bug: logged with its stack). */
  failure?: unknown;
  durationMs: number;
  /** From dispatch to the last upstream byte. */
  upstreamMs?: number;
  /** Time the proxy itself spent before dispatching (queue wait excluded). */
  overheadMs?: number;
  queuedMs?: number;
  bytesIn: number;
  bytesOut: number;
  record?: ReconciliationRecord;
  malformedEvents?: number;
  /** The class the request claimed (header or task type) and whether the agent's ceiling lowered it. */
  claim?: { class: PriorityClass; capped: boolean };
}

/** Receives one call per finished request (logging and metrics live behind it). */
export interface RequestObserver {
  requestDone(info: RequestInfo): void;
}
