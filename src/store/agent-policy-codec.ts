import { parsePriority } from '../domain/priority.js';
import type { AgentPolicy } from './store.js';

/**
 * An agent policy from fields read back from a backend (SQLite columns, Redis JSON): a class the running
 * build does not know is dropped, so the field falls back to config instead of failing every read.
 */
export function agentPolicyFrom(fields: { agent: string; setAt: number; criticality: unknown; ceiling: unknown }): AgentPolicy {
  const policy: AgentPolicy = { agent: fields.agent, setAt: fields.setAt };
  const criticality = typeof fields.criticality === 'string' ? parsePriority(fields.criticality) : undefined;
  const ceiling = typeof fields.ceiling === 'string' ? parsePriority(fields.ceiling) : undefined;
  if (criticality !== undefined) policy.criticality = criticality;
  if (ceiling !== undefined) policy.ceiling = ceiling;
  return policy;
}
