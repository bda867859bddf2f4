import type { TricksReport } from './tricks.js';

function ratio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : 'from nothing';
}

/** The `--tricks` table: what each trick bought one agent under the dynamic engine, against its honest run. */
export function renderTricks(report: TricksReport): string {
  const rows = report.results.map((r) => [r.trick, Math.round(r.qualityWeightedTasks).toLocaleString('en-US'), ratio(r.qualityRatio), Math.round(r.tokensServed).toLocaleString('en-US'), ratio(r.tokensRatio)]);
  const header = ['trick', 'quality-weighted tasks', 'vs honest', 'tokens received', 'vs honest'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ');
  const gains = report.results.filter((r) => r.trick !== 'honest' && Math.max(r.qualityRatio, r.tokensRatio) > 1.1);
  return `${[
    `Token Ninja tricks: scenario "${report.scenario}", seed ${report.seed}, agent "${report.agent}" under the dynamic engine`,
    '',
    line(header),
    ...rows.map(line),
    '',
    gains.length === 0 ? 'No trick gains more than 10% over honest (target: met).' : `Gaining more than 10% over honest: ${gains.map((g) => g.trick).join(', ')} (target: NOT met).`,
  ].join('\n')}\n`;
}
