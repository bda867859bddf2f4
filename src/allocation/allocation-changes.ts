import type { AllocationTable } from './types.js';

/**
 * How many agents' allocations moved by more than `threshold` (a fraction of the previous allocation) from
 * `previous` to `next`. An agent in only one of the tables counts as changed (from or to nothing); with no
 * previous table, every agent does. Pure.
 */
export function changedAllocations(previous: AllocationTable | undefined, next: AllocationTable, threshold: number): number {
  const before = new Map<string, number>();
  for (const a of previous?.agents ?? []) before.set(a.agent, a.allocation);
  let changed = 0;
  for (const a of next.agents) {
    const was = before.get(a.agent);
    before.delete(a.agent);
    if (was === undefined || Math.abs(a.allocation - was) > threshold * Math.abs(was)) changed++;
  }
  // The agents left are those the new table no longer names.
  return changed + before.size;
}
