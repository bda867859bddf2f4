/** Tracing's view of reallocation ticks; absent when tracing is off. */
export interface TickTracer {
  /** One reallocation tick ran (or failed, with `error`). */
  tick(tick: TracedTick): void;
}

/** A reallocation tick as tracing records it; the table's numbers are absent when the tick failed. */
export interface TracedTick {
  /** Unix ms (fractional). */
  startedAt: number;
  endedAt: number;
  /** The round number (`floor(unix ms / tick ms)`). */
  tick?: number;
  /** Tokens per tick. */
  pool?: number;
  burstReserve?: number;
  agents?: number;
  /** Agents whose allocation moved by more than the threshold (10%) since the previous table, new and dropped ones included. */
  agentsChanged?: number;
  error?: string;
}
