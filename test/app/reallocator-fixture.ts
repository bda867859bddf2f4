import { HistoryRecorder } from '../../src/admin/history.js';
import { AgentPolicies } from '../../src/app/agent-policies.js';
import { HintBoard } from '../../src/app/hint-board.js';
import { policyFromConfig } from '../../src/app/proxy-app.js';
import { Reallocator } from '../../src/app/reallocator.js';
import { Admission } from '../../src/budget/admission.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { configFor } from '../e2e/harness.js';

/** A single-proxy reallocator on a memory store, with the clock in the caller's hands. */
export function reallocatorFor(clock: { now: () => number }, options: { ledgerIdleMs?: number } = {}) {
  const config = configFor('http://127.0.0.1:9', { reallocateSeconds: 30 });
  const store = new MemoryStore();
  const admission = new Admission({ tickMs: 30_000, newcomerAllowance: 1000, newcomerReserve: 10_000, clock });
  const reallocator = new Reallocator({
    history: new HistoryRecorder({ tickSeconds: 30 }),
    store,
    policy: policyFromConfig(config),
    admission,
    metrics: new Metrics({ maxAgentLabels: 10, tickSeconds: 30 }),
    logger: createLogger({ level: 'silent' }),
    hints: new HintBoard(),
    policies: new AgentPolicies(config),
    queuedDemand: () => new Map(),
    takeActivity: () => ({ consumed: new Map(), throttled: new Map() }),
    now: clock.now,
    ...(options.ledgerIdleMs === undefined ? {} : { ledgerIdleMs: options.ledgerIdleMs }),
  });
  return { reallocator, admission, store };
}
