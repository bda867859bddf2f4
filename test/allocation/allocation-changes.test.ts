import { describe, expect, it } from 'vitest';
import { changedAllocations } from '../../src/allocation/allocation-changes.js';
import type { AllocationTable } from '../../src/allocation/types.js';

function table(allocations: Record<string, number>): AllocationTable {
  return {
    agents: Object.entries(allocations).map(([agent, allocation]) => ({ agent, allocation })),
  } as unknown as AllocationTable;
}

describe('changedAllocations', () => {
  it('counts agents that moved by more than the threshold, either way, and not those at or under it', () => {
    const before = table({ a: 1000, b: 1000, c: 1000, d: 1000, e: 0 });
    const after = table({ a: 1100, b: 1101, c: 899, d: 1000, e: 0 });
    expect(changedAllocations(before, after, 0.1)).toBe(2);
  });

  it('counts agents new to the table and agents it dropped', () => {
    expect(changedAllocations(table({ a: 10, gone: 5 }), table({ a: 10, fresh: 3 }), 0.1)).toBe(2);
  });

  it('counts every agent of the first table', () => {
    expect(changedAllocations(undefined, table({ a: 1, b: 2 }), 0.1)).toBe(2);
  });

  it('counts growth from nothing', () => {
    expect(changedAllocations(table({ a: 0 }), table({ a: 1 }), 0.1)).toBe(1);
  });
});
