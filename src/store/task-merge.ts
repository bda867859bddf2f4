import type { TaskOutcome, TaskRecordResult } from './store.js';

/** What a report does to the stored outcome of its (agent, task): the new outcome, or undefined to leave it. */
export interface TaskMerge {
  outcome: TaskOutcome | undefined;
  result: TaskRecordResult;
}

/**
 * The rule every store applies, atomically, to a task report (DESIGN §3; Redis mirrors it in Lua):
 * - the first report of an (agent, task) is stored;
 * - an evaluator's report replaces one the agent made about itself (completion and quality);
 * - a report completing a task its own source reported not completed counts it, with its quality;
 * - anything else is a duplicate and changes nothing (an agent cannot overrule an evaluator, nor repeat itself).
 * A task counts from the time it was first reported completed.
 */
export function mergeTaskReport(stored: TaskOutcome | undefined, report: TaskOutcome): TaskMerge {
  if (stored === undefined) return { outcome: { ...report }, result: { duplicate: false, replaced: false } };
  const completesNow = report.completed && !stored.completed;
  const at = completesNow ? report.at : stored.at;
  if (report.source === 'evaluator' && stored.source === 'agent') {
    return { outcome: { ...report, at }, result: { duplicate: !completesNow, replaced: true } };
  }
  if (report.source === stored.source && completesNow) {
    return { outcome: { ...report, at }, result: { duplicate: false, replaced: false } };
  }
  return { outcome: undefined, result: { duplicate: true, replaced: false } };
}

/** The key of an (agent, task) pair: agent ids never contain a newline, so the first one splits it back. */
export function taskKey(agent: string, task: string): string {
  return `${agent}\n${task}`;
}

/** Fold reports over stored outcomes (keyed by `taskKey`), in order; returns each report's result. */
export function mergeTaskReports(into: Map<string, TaskOutcome>, reports: readonly TaskOutcome[]): TaskRecordResult[] {
  return reports.map((report) => {
    const key = taskKey(report.agent, report.task);
    const { outcome, result } = mergeTaskReport(into.get(key), report);
    if (outcome !== undefined) into.set(key, outcome);
    return result;
  });
}

/** Outcomes with `at >= sinceMs`, oldest first (stable among equal times). */
export function outcomesSince(outcomes: Iterable<TaskOutcome>, sinceMs: number): TaskOutcome[] {
  return [...outcomes].filter((t) => t.at >= sinceMs).sort((a, b) => a.at - b.at).map((t) => ({ ...t }));
}
