import type { IncomingHttpHeaders } from 'node:http';
import { grantedClass } from '../domain/granted-class.js';
import type { Config } from '../config/schema.js';
import { parsePriority, type PriorityClass } from '../domain/priority.js';
import { ProxyError } from './errors.js';

/** What operators granted the agent (src/app/agent-policies.ts): its ceiling and its class when it claims none. */
export interface ClaimPolicy {
  ceiling: PriorityClass;
  criticality?: PriorityClass;
}

/** Priority hints an agent sent (DESIGN §3), with the class granted under its operator policy (DESIGN §8). */
export interface Hints {
  /** The class granted: what queue order and the burst gate use, as the engine would weigh it. */
  priority: PriorityClass;
  /** What the agent asked for in `x-token-ninja-priority`, before the ceiling. */
  requestedPriority?: PriorityClass;
  /** The class it claimed by header or task type (the higher of the two), before the ceiling; absent when it claimed none. */
  claimedPriority?: PriorityClass;
  /** True where the ceiling lowered the claim. */
  capped?: boolean;
  /** Unix ms. */
  deadline?: number;
  task?: string;
  taskType?: string;
  blocking: number;
}

const TASK_ID = /^[\x21-\x7e]{1,128}$/;

/** Parses `x-token-ninja-*` hint headers; a malformed one is a 400, never silently ignored. */
export function parseHints(headers: IncomingHttpHeaders, now: number, taskTypes: Config['priority']['taskTypes'], policy: ClaimPolicy): Hints {
  const task = single(headers, 'x-token-ninja-task');
  if (task !== undefined && !TASK_ID.test(task)) throw bad('x-token-ninja-task', 'must be 1–128 visible ASCII characters');
  const taskType = single(headers, 'x-token-ninja-task-type');
  if (taskType !== undefined && !TASK_ID.test(taskType)) throw bad('x-token-ninja-task-type', 'must be 1–128 visible ASCII characters');

  const rawPriority = single(headers, 'x-token-ninja-priority');
  let requested: PriorityClass | undefined;
  if (rawPriority !== undefined) {
    requested = parsePriority(rawPriority.toLowerCase());
    if (requested === undefined) throw bad('x-token-ninja-priority', 'must be critical, high, normal or low');
  }
  const fromType = taskType !== undefined && Object.hasOwn(taskTypes, taskType) ? taskTypes[taskType] : undefined;
  // The engine's rule, so queue order and the burst gate see the class the allocation weighs.
  const granted = grantedClass(requested, fromType, policy.criticality, policy.ceiling);
  const claimed = requested !== undefined || fromType !== undefined ? grantedClass(requested, fromType, undefined, undefined).class : undefined;

  const rawDeadline = single(headers, 'x-token-ninja-deadline');
  let deadline: number | undefined;
  if (rawDeadline !== undefined) {
    if (/^\d+(\.\d+)?$/.test(rawDeadline)) deadline = now + Number(rawDeadline) * 1000;
    else {
      const t = Date.parse(rawDeadline);
      if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}T/.test(rawDeadline)) {
        throw bad('x-token-ninja-deadline', 'must be an ISO-8601 time or seconds from now');
      }
      deadline = t;
    }
  }
  const rawBlocking = single(headers, 'x-token-ninja-blocking');
  let blocking = 0;
  if (rawBlocking !== undefined) {
    if (!/^\d{1,6}$/.test(rawBlocking)) throw bad('x-token-ninja-blocking', 'must be a non-negative integer');
    blocking = Number(rawBlocking);
  }
  const hints: Hints = { priority: granted.class, requestedPriority: requested, deadline, task, taskType, blocking };
  if (claimed !== undefined) {
    hints.claimedPriority = claimed;
    hints.capped = granted.capped;
  }
  return hints;
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw bad(name, 'must be sent once');
  return v.trim();
}

function bad(header: string, why: string): ProxyError {
  return new ProxyError('invalid_header', `${header} ${why}`);
}
