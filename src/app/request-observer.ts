import type { RequestInfo, RequestObserver } from '../proxy/request-info.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

/** One structured log line and the request metrics per finished request on the agents' port. */
export class LoggingRequestObserver implements RequestObserver {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  requestDone(info: RequestInfo): void {
    const agent = info.agent ?? 'anonymous';
    if (info.route !== 'other' && info.route !== 'passthrough' && info.route !== 'token-ninja') {
      this.metrics.recordRequest(agent, info.route, info.outcome);
    }
    if (info.overheadMs !== undefined) this.metrics.observeOverhead(info.overheadMs / 1000);
    if (info.upstreamMs !== undefined && info.provider !== undefined) this.metrics.observeUpstream(info.provider, info.upstreamMs / 1000);
    if (info.malformedEvents) this.metrics.recordMalformedSse(info.malformedEvents);
    if (info.claim !== undefined) this.metrics.recordPriorityClaim(agent, info.claim.class, info.claim.capped);
    // A bug, not an upstream failure or a refusal: worth its stack, whatever the log level.
    if (info.errorCode === 'internal_error') this.logger.error({ err: info.failure, agent, route: info.route }, 'internal error');
    if (!this.logger.isLevelEnabled('info')) return;
    const r = info.record;
    this.logger.info(
      {
        agent,
        method: info.method,
        route: info.route,
        provider: info.provider,
        model: info.model,
        status: info.status,
        outcome: info.outcome,
        code: info.errorCode,
        claim: info.claim,
        durationMs: round(info.durationMs),
        upstreamMs: info.upstreamMs !== undefined ? round(info.upstreamMs) : undefined,
        queuedMs: info.queuedMs ? round(info.queuedMs) : undefined,
        bytesIn: info.bytesIn,
        bytesOut: info.bytesOut,
        tokens: r
          ? {
              estimatedInput: r.estimatedInput,
              estimatedOutput: r.estimatedOutput,
              input: r.actualInput,
              cached: r.cachedInput,
              cacheWrite: r.cacheWriteInput,
              output: r.actualOutput,
              charged: r.charged,
              source: r.source,
            }
          : undefined,
        costUsd: r?.costUsd,
        task: r?.task,
      },
      'request',
    );
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
