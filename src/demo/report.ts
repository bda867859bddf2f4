/** What the demo prints: the allocation table of each tick and the closing summary (pure formatting). */
import type { AllocationsView } from '../admin/backend.js';
import type { DemoSummary } from './summary.js';

/** One agent's traffic during the tick just printed. */
export interface TickDelta {
  agent: string;
  priority: string;
  ok: number;
  rejected: number;
  burst: number;
  queued: number;
  /** Completed tasks so far. */
  tasks: number;
}

function k(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return `${Math.round(n)}`;
}

/** The allocation table of one tick with each agent's traffic since the previous one. */
export function formatTick(view: AllocationsView, n: number, t: number, deltas: readonly TickDelta[]): string {
  const rows = new Map(view.agents.map((a) => [a.agent, a]));
  const total = view.agents.reduce((s, a) => s + a.tokensPerMinute, 0);
  const lines = [
    `[${t.toFixed(0).padStart(3)}s] tick ${n} · pool ${k(view.pool)} tokens/tick · burst ${k(view.burst.available)} of ${k(view.burst.capacity)} available`,
    '  agent        priority  tokens/min  share  score   bound       served  429  burst  queued  tasks',
  ];
  for (const d of deltas) {
    const row = rows.get(d.agent);
    if (row === undefined && d.ok + d.rejected === 0) {
      lines.push(`  ${d.agent.padEnd(12)} ${d.priority.padEnd(8)}  (not started)`);
      continue;
    }
    const alloc = row ? k(row.tokensPerMinute).padStart(10) : '         —';
    const share = row && total > 0 ? `${((100 * row.tokensPerMinute) / total).toFixed(1)}%`.padStart(6) : '     —';
    const score = row ? (row.score === null ? 'calib' : row.score.toFixed(2)).padStart(6) : '     —';
    const bound = (row?.boundBy ?? 'new').padEnd(10);
    lines.push(
      `  ${d.agent.padEnd(12)} ${d.priority.padEnd(8)} ${alloc} ${share} ${score}   ${bound} ${String(d.ok).padStart(6)} ${String(d.rejected).padStart(4)} ${String(d.burst).padStart(6)} ${String(d.queued).padStart(7)} ${String(d.tasks).padStart(6)}`,
    );
  }
  const throttled = deltas.filter((d) => d.rejected > 0).map((d) => `${d.agent} ${d.rejected}×429`);
  const bursts = deltas.filter((d) => d.burst > 0).map((d) => `${d.agent} ${d.burst}`);
  if (throttled.length > 0) lines.push(`  throttled: ${throttled.join(', ')}`);
  if (bursts.length > 0) lines.push(`  burst draws: ${bursts.join(', ')}`);
  return `${lines.join('\n')}\n\n`;
}

/** The closing summary: per agent and overall, dynamic against a static equal split. */
export function formatSummary(summary: DemoSummary, first: Record<string, number>, final: Record<string, number>): string {
  const lines = [
    'Summary',
    '  agent        tokens   share  static share  tasks  quality  tasks/Mtok   tokens/min first → last',
  ];
  for (const r of summary.rows) {
    const staticShare = summary.totalTokens > 0 ? r.staticTokens / summary.totalTokens : 0;
    const moved = first[r.agent] !== undefined ? `${k(first[r.agent]!)} → ${k(final[r.agent] ?? 0)}` : '—';
    lines.push(
      `  ${r.agent.padEnd(12)} ${k(r.tokens).padStart(7)} ${`${(100 * r.dynamicShare).toFixed(1)}%`.padStart(6)} ${`${(100 * staticShare).toFixed(1)}%`.padStart(13)} ${String(r.tasks).padStart(6)} ${r.meanQuality.toFixed(2).padStart(8)} ${r.tasksPerMillion.toFixed(0).padStart(11)}   ${moved}`,
    );
  }
  lines.push(
    '',
    `  fleet: ${k(summary.totalTokens)} tokens, ${summary.totalTasks} tasks`,
    `  tasks per million tokens — dynamic (this run): ${summary.dynamicTasksPerMillion.toFixed(0)}; static equal split of the same tokens: ${summary.staticTasksPerMillion.toFixed(0)} (×${summary.gain.toFixed(2)})`,
    '  (static counterfactual: the same tokens shared equally per active agent-second, capped at what each asked for,',
    '   each agent keeping the tasks per token it showed in this run)',
  );
  return `${lines.join('\n')}\n`;
}
