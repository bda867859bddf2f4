import type { PolicyName, PolicyResult, SimulationReport } from './report-types.js';

const LABELS: Record<PolicyName, string> = { equal: 'static equal', historic: 'static historic', fair: 'fair share', dynamic: 'dynamic' };

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
function pct(n: number): string {
  return `${(n * 100).toFixed(1)}%`;
}
function usd(n: number): string {
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
function signedPct(n: number): string {
  return `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')).join('\n');
}

/** The simulator's printed report: one column per policy, then the headline comparison. */
export function renderReport(report: SimulationReport): string {
  const ps = report.policies;
  const get = (name: PolicyName): PolicyResult | undefined => ps.find((p) => p.policy === name);
  const rows: string[][] = [['', ...ps.map((p) => LABELS[p.policy])]];
  const row = (label: string, f: (p: PolicyResult) => string) => rows.push([label, ...ps.map(f)]);
  row('quality-weighted tasks completed', (p) => int(p.qualityWeightedTasks));
  row('tasks completed', (p) => int(p.tasksCompleted));
  row('tasks per million tokens', (p) => p.tasksPerMillionTokens.toFixed(1));
  row('quality-weighted tasks per million tokens', (p) => p.qualityTasksPerMillionTokens.toFixed(1));
  row('dollars spent', (p) => usd(p.usdServed));
  row('quality-weighted tasks per dollar', (p) => p.qualityTasksPerUsd.toFixed(2));
  const inUsd = report.unit === 'usd';
  row(`${inUsd ? 'dollars' : 'tokens'} allocated but idle`, (p) => `${inUsd ? usd(p.tokensAllocatedIdle) : int(p.tokensAllocatedIdle)} (${pct(p.tokensAllocatedIdle / poolTotal(report))})`);
  row('pool idle while any agent is throttled', (p) => pct(p.idleWhileThrottledFraction));
  row('high-priority tasks done before deadline', (p) => `${pct(p.highPriorityDeadlines.fraction)} of ${int(p.highPriorityDeadlines.tasks)}`);
  const first = ps[0];
  if (first !== undefined) {
    for (const q of first.quartiles) {
      row(`demand refused, quartile ${q.quartile}${q.quartile === 1 ? ' (least productive)' : q.quartile === 4 ? ' (most productive)' : ''}`, (p) => pct(p.quartiles[q.quartile - 1]?.refusedFraction ?? 0));
    }
    for (const q of first.quartiles) row(`mean delay, quartile ${q.quartile} (minutes)`, (p) => (p.quartiles[q.quartile - 1]?.meanDelayMinutes ?? 0).toFixed(1));
    // Where the fleet mixes models: how each model's agents shared the money and the tokens.
    const models = Object.keys(first.models);
    if (models.length > 1) {
      for (const m of models) row(`share of dollars, ${m} agents`, (p) => pct((p.models[m]?.usdServed ?? 0) / Math.max(Number.MIN_VALUE, p.usdServed)));
      for (const m of models) row(`share of tokens, ${m} agents`, (p) => pct((p.models[m]?.tokensServed ?? 0) / Math.max(Number.MIN_VALUE, p.tokensServed)));
    }
  }
  const lines = [
    `Token Ninja simulation: scenario "${report.scenario}", seed ${report.seed}, ${report.days} days, ${report.agents.length} agents, pool ${poolLabel(report)} for every policy`,
    '',
    table(rows),
    '',
    `Quartiles by hidden productivity (quality / ${report.unit === 'usd' ? 'dollars' : 'tokens'} per task):`,
    ...(first?.quartiles ?? []).map((q) => `  ${q.quartile}: ${q.agents.join(', ')}`),
  ];
  const equal = get('equal');
  const historic = get('historic');
  const fair = get('fair');
  const dynamic = get('dynamic');
  if (equal !== undefined && historic !== undefined && fair !== undefined && dynamic !== undefined && fair.qualityWeightedTasks > 0) {
    const gain = dynamic.qualityWeightedTasks / fair.qualityWeightedTasks - 1;
    const over = (p: PolicyResult) => signedPct(dynamic.qualityWeightedTasks / Math.max(1, p.qualityWeightedTasks) - 1);
    lines.push(
      '',
      `Dynamic vs fair share: ${signedPct(gain)} quality-weighted tasks (target +25%: ${gain >= 0.25 ? 'met' : 'NOT met'}); vs static equal: ${over(equal)}; vs static historic: ${over(historic)}.`,
      `Pool idle while any agent was throttled: dynamic ${pct(dynamic.idleWhileThrottledFraction)}, fair share ${pct(fair.idleWhileThrottledFraction)} (target no more than fair: ${dynamic.idleWhileThrottledFraction <= fair.idleWhileThrottledFraction ? 'met' : 'NOT met'}).`,
      `Quality-weighted tasks per dollar (per million tokens): dynamic ${dynamic.qualityTasksPerUsd.toFixed(2)} (${dynamic.qualityTasksPerMillionTokens.toFixed(1)}), fair share ${fair.qualityTasksPerUsd.toFixed(2)} (${fair.qualityTasksPerMillionTokens.toFixed(1)}).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The pool over the measured days, in the unit. */
function poolTotal(report: SimulationReport): number {
  return Math.max(Number.MIN_VALUE, report.poolPerMinute * report.days * 24 * 60);
}

function poolLabel(report: SimulationReport): string {
  if (report.unit === 'usd') return `${usd(report.poolPerMinute)}/min (budgets in dollars; ${int(report.poolTokensPerMinute)} tokens/min in tokens)`;
  return `${int(report.poolTokensPerMinute)} tokens/min`;
}
