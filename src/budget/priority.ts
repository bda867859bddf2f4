/** Priority classes a request may claim (DESIGN §3 `x-token-ninja-priority`), most urgent first. */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;

export type Priority = (typeof PRIORITIES)[number];

/** Numeric rank of a class: higher is more urgent (critical 3 … low 0). */
export function priorityRank(priority: Priority): number {
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
export function priorityAtLeast(priority: Priority, gate: Priority): boolean {
  return priorityRank(priority) >= priorityRank(gate);
}

/** Narrow an untrusted string (a header value) to a class, or undefined. */
export function parsePriority(value: string): Priority | undefined {
  return (PRIORITIES as readonly string[]).includes(value) ? (value as Priority) : undefined;
}
