import type { IncomingHttpHeaders } from 'node:http';
import type { Config, PriorityClass } from '../config/schema.js';
import { parsePriority, priorityRank } from '../budget/priority.js';
import { ProxyError } from './errors.js';

/** Priority hints an agent sent (DESIGN §3), after the config's ceilings were applied. */
export interface Hints {
  priority: PriorityClass;
  /** What the agent asked for, before the ceiling. */
  requestedPriority?: PriorityClass;
  /** Unix ms. */
  deadline?: number;
  task?: string;
  taskType?: string;
  blocking: number;
}

const TASK_ID = /^[\x21-\x7e]{1,128}$/;

/** Parses `x-token-ninja-*` hint headers; a malformed one is a 400, never silently ignored. */
export function parseHints(headers: IncomingHttpHeaders, agent: string, now: number, policy: Config['priority']): Hints {
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
  const fromType = taskType !== undefined ? policy.taskTypes[taskType] : undefined;
  let priority: PriorityClass = requested ?? fromType ?? 'normal';
  // A task type the config maps to a class sets at least that class.
  if (fromType !== undefined && priorityRank(fromType) > priorityRank(priority)) priority = fromType;
  const ceiling = policy.ceilings[agent] ?? policy.ceilings['*'];
  if (ceiling !== undefined && priorityRank(priority) > priorityRank(ceiling)) priority = ceiling;

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
  return { priority, requestedPriority: requested, deadline, task, taskType, blocking };
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
