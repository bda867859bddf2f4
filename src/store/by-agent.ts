/** Every backend returns rows ordered by agent id, so sidecars feed the engine identical inputs. */
export function byAgent(a: { agent: string }, b: { agent: string }): number {
  return a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0;
}
