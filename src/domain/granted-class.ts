import { priorityRank as rank, type PriorityClass } from './priority.js';

/** Where a granted class came from. */
export type ClassSource = 'hint' | 'taskType' | 'criticality' | 'default';

/** The class an agent gets for its claims, where it came from, and whether the ceiling lowered it. */
export interface GrantedClass {
  class: PriorityClass;
  source: ClassSource;
  capped: boolean;
}

/**
 * One rule for the engine and the request path (DESIGN §8): the higher of the requested class and the task
 * type's class, else the operator's criticality, else `normal`; whichever it came from, at most the ceiling.
 */
export function grantedClass(requested: PriorityClass | undefined, typed: PriorityClass | undefined, criticality: PriorityClass | undefined, ceiling: PriorityClass | undefined): GrantedClass {
  let cls: PriorityClass = 'normal';
  let source: ClassSource = 'default';
  if (requested !== undefined && (typed === undefined || rank(requested) >= rank(typed))) {
    cls = requested;
    source = 'hint';
  } else if (typed !== undefined) {
    cls = typed;
    source = 'taskType';
  } else if (criticality !== undefined) {
    cls = criticality;
    source = 'criticality';
  }
  if (ceiling !== undefined && rank(cls) > rank(ceiling)) return { class: ceiling, source, capped: true };
  return { class: cls, source, capped: false };
}
