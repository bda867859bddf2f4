import type { UsageTotal } from './store.js';

/** Every backend returns rows ordered by agent id, so sidecars feed the engine identical inputs. */
export function byAgent(a: { agent: string }, b: { agent: string }): number {
  return a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0;
}

/** Signals ordered by agent, then by the proxy that published them: a fixed order, so sums agree bit for bit. */
export function byAgentThenSource(a: { agent: string; source: string }, b: { agent: string; source: string }): number {
  return byAgent(a, b) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}

/** The values of a map keyed by agent id, in `byAgent` order (the built-in sort on the keys is the faster way). */
export function sortedByAgent<T>(byId: ReadonlyMap<string, T>): T[] {
  return [...byId.keys()].sort().map((agent) => byId.get(agent) as T);
}

/** Adds demand and consumed tokens to an agent's running total (a new row if it has none yet). */
export function addToTotal(totals: Map<string, UsageTotal>, agent: string, demand: number, consumed: number): void {
  const sum = totals.get(agent);
  if (sum) {
    sum.demand += demand;
    sum.consumed += consumed;
  } else {
    totals.set(agent, { agent, demand, consumed });
  }
}
