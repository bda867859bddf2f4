import type { AgentSample, HistoryPoint, HistoryView } from './backend.js';

export interface HistoryRecorderOptions {
  tickSeconds: number;
  /** Ticks kept (default 240: two hours of 30 s ticks). */
  capacity?: number;
  /** Agents kept per tick, largest allocations first (default 100): bounds the page's payload. */
  maxAgentsPerPoint?: number;
}

/**
 * A bounded in-memory history for GET /v1/history and the per-agent samples of GET /v1/agents/{id}:
 * the proxy records one point per tick (after reallocating, with the tick's usage and throttles).
 */
export class HistoryRecorder {
  private readonly points: HistoryPoint[] = [];
  private readonly capacity: number;
  private readonly maxAgents: number;

  constructor(private readonly options: HistoryRecorderOptions) {
    this.capacity = options.capacity ?? 240;
    this.maxAgents = options.maxAgentsPerPoint ?? 100;
  }

  /** Add a tick's point; a point for the same tick as the last replaces it (a reallocation on request). */
  record(point: HistoryPoint): void {
    const kept = Object.entries(point.agents)
      .sort((a, b) => b[1].allocation - a[1].allocation)
      .slice(0, this.maxAgents);
    const bounded: HistoryPoint = { ...point, agents: Object.fromEntries(kept) };
    const last = this.points[this.points.length - 1];
    if (last && last.tick === point.tick) this.points[this.points.length - 1] = bounded;
    else this.points.push(bounded);
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }

  view(): HistoryView {
    return { tickSeconds: this.options.tickSeconds, points: [...this.points] };
  }

  /** One agent's samples, oldest first (ticks where it was not recorded are skipped). */
  agentSamples(agent: string): AgentSample[] {
    const samples: AgentSample[] = [];
    for (const p of this.points) {
      const a = p.agents[agent];
      if (!a) continue;
      const sample: AgentSample = {
        at: p.at,
        tick: p.tick,
        allocation: a.allocation,
        usage: a.usage,
        productivity: a.productivity,
        throttled: a.throttled ?? 0,
      };
      if (a.forecast !== undefined) sample.forecast = a.forecast;
      if (a.priorityWeight !== undefined) sample.priorityWeight = a.priorityWeight;
      samples.push(sample);
    }
    return samples;
  }
}
