import { DEFAULT_ALLOCATION_POLICY } from '../allocation/policy.js';
import type { AllocationPolicyOverrides } from '../allocation/policy.js';
import { ScenarioError } from './scenario.js';

/** A scenario's `policy` block as engine settings: unknown keys refused by name, types checked against the defaults. */
export function policyOverridesFrom(raw: Record<string, unknown>): AllocationPolicyOverrides {
  const defaults: Record<string, unknown> = { ...DEFAULT_ALLOCATION_POLICY };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'tokensPerMinute' || key === 'tickSeconds') throw new ScenarioError(`invalid scenario: policy.${key}: set it at the top level of the scenario`);
    if (!Object.hasOwn(defaults, key)) throw new ScenarioError(`invalid scenario: policy.${key}: unknown key`);
    const d = defaults[key];
    if (typeof d === 'number' && typeof value !== 'number') throw new ScenarioError(`invalid scenario: policy.${key}: expected a number`);
    if (typeof d === 'object' && d !== null) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ScenarioError(`invalid scenario: policy.${key}: expected an object`);
      for (const [k, v] of Object.entries(value)) {
        const inner = (d as Record<string, unknown>)[k];
        // taskTypeClasses and baseline take keys the defaults do not list.
        const known = key === 'baseline' ? k === 'tokensPerMinute' : inner !== undefined;
        if (key !== 'taskTypeClasses' && !known) throw new ScenarioError(`invalid scenario: policy.${key}.${k}: unknown key`);
        if (key === 'taskTypeClasses' ? typeof v !== 'string' : typeof v !== 'number') throw new ScenarioError(`invalid scenario: policy.${key}.${k}: wrong type`);
      }
    }
  }
  return raw as AllocationPolicyOverrides;
}
