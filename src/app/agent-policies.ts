import type { Config } from '../config/schema.js';
import type { PriorityClass } from '../domain/priority.js';
import type { AgentPolicy, Store } from '../store/store.js';

/** Where an effective policy field came from (shown in `GET /v1/agents/{id}`). */
export type PolicySource = 'runtime' | 'config.agents' | 'config.priority.ceilings' | 'default';

/** The ceiling `"*"` means when the config leaves it out (DESIGN §8's default). */
export const DEFAULT_CEILING: PriorityClass = 'high';

/** What operators granted an agent, with the source of each field: runtime over config, per field. */
export interface EffectivePolicy {
  ceiling: PriorityClass;
  ceilingSource: PolicySource;
  /** The class used when the agent claims none. */
  criticality?: PriorityClass;
  criticalitySource?: PolicySource;
}

/**
 * Operators' policy per agent (DESIGN §8): the config's `agents` and `priority.ceilings`, overridden field by
 * field by runtime policies (`PUT /v1/agents/{id}/policy`). The runtime ones are kept in memory, refreshed on
 * each PUT/DELETE and each tick, so the request path reads them without store I/O; in fleet mode a policy set
 * on another proxy reaches this one at the next tick.
 */
export class AgentPolicies {
  #runtime = new Map<string, AgentPolicy>();

  constructor(private readonly config: Pick<Config, 'agents'> & { priority: Pick<Config['priority'], 'ceilings'> }) {}

  effective(agent: string): EffectivePolicy {
    const runtime = this.#runtime.get(agent);
    const configured = Object.hasOwn(this.config.agents, agent) ? this.config.agents[agent] : undefined;
    const ceilings = this.config.priority.ceilings;
    let ceiling: PriorityClass = DEFAULT_CEILING;
    let ceilingSource: PolicySource = 'default';
    if (runtime?.ceiling !== undefined) [ceiling, ceilingSource] = [runtime.ceiling, 'runtime'];
    else if (configured?.ceiling !== undefined) [ceiling, ceilingSource] = [configured.ceiling, 'config.agents'];
    else if (Object.hasOwn(ceilings, agent)) [ceiling, ceilingSource] = [ceilings[agent] as PriorityClass, 'config.priority.ceilings'];
    else if (ceilings['*'] !== undefined) [ceiling, ceilingSource] = [ceilings['*'], 'config.priority.ceilings'];
    const policy: EffectivePolicy = { ceiling, ceilingSource };
    if (runtime?.criticality !== undefined) [policy.criticality, policy.criticalitySource] = [runtime.criticality, 'runtime'];
    else if (configured?.criticality !== undefined) [policy.criticality, policy.criticalitySource] = [configured.criticality, 'config.agents'];
    return policy;
  }

  /** The runtime policy set for an agent, if any. */
  runtime(agent: string): AgentPolicy | undefined {
    return this.#runtime.get(agent);
  }

  /** Re-reads every runtime policy from the store (each tick). */
  async refresh(store: Pick<Store, 'agentPolicies'>): Promise<void> {
    const rows = await store.agentPolicies();
    this.#runtime = new Map(rows.map((p) => [p.agent, p]));
  }

  /** Takes effect at once on this proxy, after the store accepted it. */
  set(policy: AgentPolicy): void {
    this.#runtime.set(policy.agent, policy);
  }

  delete(agent: string): void {
    this.#runtime.delete(agent);
  }
}
