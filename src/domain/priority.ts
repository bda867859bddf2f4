/** Priority classes a request may claim (DESIGN §3 `x-token-ninja-priority`), most urgent first. */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;

/** A business-criticality class: what agents claim, operators cap, the engine weighs and the queue orders by. */
export type PriorityClass = (typeof PRIORITIES)[number];

/** Numeric rank of a class: higher is more urgent (critical 3 … low 0). */
export function priorityRank(priority: PriorityClass): number {
  switch (priority) {
    case 'critical':
      return 3;
    case 'high':
      return 2;
    case 'normal':
      return 1;
    case 'low':
      return 0;
  }
}

/** True when `priority` is at least as urgent as `gate`. */
export function priorityAtLeast(priority: PriorityClass, gate: PriorityClass): boolean {
  return priorityRank(priority) >= priorityRank(gate);
}

/** Narrow an untrusted string (a header value) to a class, or undefined. */
export function parsePriority(value: string): PriorityClass | undefined {
  return (PRIORITIES as readonly string[]).includes(value) ? (value as PriorityClass) : undefined;
}
