import type { RequestTracer } from '../../domain/request-trace.js';
import type { TeamOf } from '../../domain/team.js';
import type { TickTracer } from '../../domain/tick-trace.js';

/** OpenTelemetry, started: the tracers the proxy hands its request path and its reallocator. */
export interface Tracing {
  /** The tracer of metered requests, naming each agent's team with `teamOf`. */
  requests(teamOf: TeamOf): RequestTracer;
  readonly ticks: TickTracer;
  /** Exports what is buffered and stops (bounded in time). */
  shutdown(): Promise<void>;
}
