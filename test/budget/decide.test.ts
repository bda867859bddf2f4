import { describe, expect, it } from 'vitest';
import { decide, type DecideInput } from '../../src/budget/decide.js';

const base: DecideInput = {
  mode: 'enforce',
  now: 1_000,
  balance: 100,
  cost: 500,
  priority: 'normal',
  burstAvailable: 0,
  burstMinPriority: 'high',
  agentWaiting: 0,
  queueDepth: 0,
  maxQueueDepth: 10,
  maxAgentQueueDepth: 5,
  waitMs: 0,
  maxWaitMs: 30_000,
};

describe('decide', () => {
  it('forwards while the balance is positive, whatever the cost', () => {
    expect(decide({ ...base, balance: 0.5, cost: 1_000_000 })).toEqual({ action: 'forward', reason: 'balance-positive' });
  });

  it('queues behind earlier waiters of the same agent even with a positive balance', () => {
    expect(decide({ ...base, agentWaiting: 1 })).toEqual({ action: 'queue', reason: 'behind-waiters' });
  });

  it('draws from burst only at or above the gate and only when the pool holds the whole cost', () => {
    const over = { ...base, balance: 0, burstAvailable: 500 };
    expect(decide({ ...over, priority: 'high' })).toEqual({ action: 'forward-from-burst', reason: 'burst' });
    expect(decide({ ...over, priority: 'critical' }).action).toBe('forward-from-burst');
    expect(decide({ ...over, priority: 'normal', waitMs: 10 })).toEqual({ action: 'queue', reason: 'over-budget' });
    expect(decide({ ...over, priority: 'high', burstAvailable: 499, waitMs: 10 }).action).toBe('queue');
    expect(decide({ ...over, priority: 'low', burstMinPriority: 'low' }).action).toBe('forward-from-burst');
  });

  it('rejects when the queue is full, globally or for the agent', () => {
    const over = { ...base, balance: -1 };
    expect(decide({ ...over, queueDepth: 10 })).toEqual({ action: 'reject', reason: 'queue-full' });
    expect(decide({ ...over, queueDepth: 9, agentWaiting: 5 })).toEqual({ action: 'reject', reason: 'queue-full' });
    expect(decide({ ...over, queueDepth: 9, agentWaiting: 4, waitMs: 1 }).action).toBe('queue');
  });

  it('rejects at once when refills cannot admit it within the max wait or before its deadline', () => {
    const over = { ...base, balance: -1 };
    expect(decide({ ...over, waitMs: 30_000 }).action).toBe('queue');
    expect(decide({ ...over, waitMs: 30_001 })).toEqual({ action: 'reject', reason: 'wait-too-long' });
    expect(decide({ ...over, waitMs: Infinity })).toEqual({ action: 'reject', reason: 'wait-too-long' });
    // Deadline 5 s away (now 1 000): a 5 000 ms wait fits, 5 001 does not.
    expect(decide({ ...over, waitMs: 5_000, deadline: 6_000 }).action).toBe('queue');
    expect(decide({ ...over, waitMs: 5_001, deadline: 6_000 })).toEqual({ action: 'reject', reason: 'deadline-too-soon' });
  });

  it('rejects a request whose deadline has passed, even with budget', () => {
    expect(decide({ ...base, deadline: 1_000 })).toEqual({ action: 'reject', reason: 'deadline-passed' });
    expect(decide({ ...base, deadline: 1_001 }).action).toBe('forward');
  });

  it('in observe mode always forwards and reports what enforce mode would do', () => {
    expect(decide({ ...base, mode: 'observe', balance: -1, queueDepth: 10 })).toEqual({
      action: 'forward',
      reason: 'observe',
      wouldBe: { action: 'reject', reason: 'queue-full' },
    });
    expect(decide({ ...base, mode: 'observe' }).wouldBe).toEqual({ action: 'forward', reason: 'balance-positive' });
  });
});
