import type { Config } from '../config/schema.js';
import type { PriorityClass } from '../domain/priority.js';
import type { AgentPolicy, Store } from '../store/store.js';

/** The config's part in an agent's policy. */
type PolicyConfig = Pick<Config, 'agents'> & { priority: Pick<Config['priority'], 'ceilings'> };

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

  constructor(private config: PolicyConfig) {}

  /** A reload's `agents` and `priority.ceilings`, in force from the next request. */
  reconfigure(config: PolicyConfig): void {
    this.config = config;
  }

  effective(agent: string): EffectivePolicy {
    const runtime = this.#runtime.get(agent);
    const configured = Object.hasOwn(this.config.agents, agent) ? this.config.agents[agent] : undefined;
    const ceilings = this.config.priority.ceilings;
    // Called on every request: plain branches, no intermediate objects.
    const policy: EffectivePolicy =
      runtime?.ceiling !== undefined
        ? { ceiling: runtime.ceiling, ceilingSource: 'runtime' }
        : configured?.ceiling !== undefined
          ? { ceiling: configured.ceiling, ceilingSource: 'config.agents' }
          : Object.hasOwn(ceilings, agent)
            ? { ceiling: ceilings[agent] as PriorityClass, ceilingSource: 'config.priority.ceilings' }
            : ceilings['*'] !== undefined
              ? { ceiling: ceilings['*'], ceilingSource: 'config.priority.ceilings' }
              : { ceiling: DEFAULT_CEILING, ceilingSource: 'default' };
    if (runtime?.criticality !== undefined) {
      policy.criticality = runtime.criticality;
      policy.criticalitySource = 'runtime';
    } else if (configured?.criticality !== undefined) {
      policy.criticality = configured.criticality;
      policy.criticalitySource = 'config.agents';
    }
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
