import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, parseScenario, Prng, renderReport, renderSvg, renderSweep, renderSweepSvg, runSimulation, runSweep, ScenarioError, simulateCommand } from '../../src/simulate/index.js';
import type { PolicyResult, ScenarioInput, SimulationReport } from '../../src/simulate/index.js';
import { escapeXml } from '../../src/simulate/xml-escape.js';

const SMALL: ScenarioInput = {
  name: 'small',
  days: 0.5,
  historyDays: 0.25,
  tokensPerMinute: 60_000,
  burstMinClass: 'low',
  agents: [
    { id: 'good', tokensPerTask: 4000, quality: 0.9, demandTokensPerMinute: 40_000, deadlineMinutes: 20, class: 'high' },
    { id: 'poor', tokensPerTask: 30_000, quality: 0.4, demandTokensPerMinute: 60_000, feeds: 'late' },
    { id: 'late', tokensPerTask: 5000, quality: 0.8, demandTokensPerMinute: 5000, joinsAtHour: 2 },
  ],
};

function byPolicy(report: SimulationReport, name: PolicyResult['policy']): PolicyResult {
  const p = report.policies.find((x) => x.policy === name);
  if (p === undefined) throw new Error(`no ${name}`);
  return p;
}

describe('the default scenario (seed 1)', () => {
  let report: SimulationReport;
  beforeAll(() => {
    report = runSimulation(DEFAULT_SCENARIO, 1);
  }, 120_000);

  it('orders the policies dynamic > fair > historic > equal by quality-weighted tasks', () => {
    const equal = byPolicy(report, 'equal').qualityWeightedTasks;
    const historic = byPolicy(report, 'historic').qualityWeightedTasks;
    const fair = byPolicy(report, 'fair').qualityWeightedTasks;
    const dynamic = byPolicy(report, 'dynamic').qualityWeightedTasks;
    expect(historic).toBeGreaterThan(equal);
    expect(fair).toBeGreaterThan(historic);
    expect(dynamic).toBeGreaterThan(fair);
  });

  it('completes at least 25% more quality-weighted tasks than fair sharing, at the proxy defaults', () => {
    expect(parseScenario(DEFAULT_SCENARIO)).toMatchObject({ tickSeconds: 30, burstMinClass: 'high' });
    expect(byPolicy(report, 'dynamic').qualityWeightedTasks).toBeGreaterThanOrEqual(1.25 * byPolicy(report, 'fair').qualityWeightedTasks);
  });

  it('completes at least 25% more quality-weighted tasks than the equal split, under 5% of the pool idle while throttled and no more than fair', () => {
    const equal = byPolicy(report, 'equal');
    const dynamic = byPolicy(report, 'dynamic');
    expect(dynamic.qualityWeightedTasks).toBeGreaterThanOrEqual(1.25 * equal.qualityWeightedTasks);
    expect(dynamic.throttledTicks).toBeGreaterThan(0);
    expect(dynamic.idleWhileThrottledFraction).toBeLessThan(0.05);
    expect(dynamic.idleWhileThrottledFraction).toBeLessThanOrEqual(byPolicy(report, 'fair').idleWhileThrottledFraction);
    expect(dynamic.tasksPerMillionTokens).toBeGreaterThan(equal.tasksPerMillionTokens);
  });

  it('refuses less of the most productive quartile’s demand and meets more deadlines', () => {
    const equal = byPolicy(report, 'equal');
    const dynamic = byPolicy(report, 'dynamic');
    expect(dynamic.quartiles[3]?.refusedFraction).toBeLessThan(equal.quartiles[3]?.refusedFraction ?? 0);
    expect(dynamic.highPriorityDeadlines.fraction).toBeGreaterThan(equal.highPriorityDeadlines.fraction);
  });

  it('prints the figures and the verdict', () => {
    const text = renderReport(report);
    for (const label of ['quality-weighted tasks completed', 'tasks per million tokens', 'tokens allocated but idle', 'pool idle while any agent is throttled', 'high-priority tasks done before deadline', 'demand refused, quartile 4 (most productive)']) {
      expect(text).toContain(label);
    }
    expect(text).toContain('fair share');
    expect(text).toMatch(/Dynamic vs fair share: \+\d+\.\d% quality-weighted tasks \(target \+25%: met\); vs static equal: \+\d+\.\d%; vs static historic: \+\d+\.\d%/);
    expect(text).toMatch(/Pool idle while any agent was throttled: dynamic \d+\.\d%, fair share \d+\.\d% \(target no more than fair: met\)/);
  });

  it('charts one panel per policy with every agent', () => {
    const svg = renderSvg(report);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polygon /g)?.length).toBe(4 * report.agents.length);
    expect(svg).toContain('newcomer');
  });
});

describe('runSimulation', () => {
  it('is deterministic for a seed and varies with it', () => {
    const a = runSimulation(SMALL, 7);
    expect(runSimulation(SMALL, 7)).toEqual(a);
    expect(runSimulation(SMALL, 8).policies[0]?.tasksCompleted).not.toBe(a.policies[0]?.tasksCompleted);
  });

  it('gives an agent nothing before it joins, and charts hourly points', () => {
    const r = runSimulation(SMALL, 3);
    const late = byPolicy(r, 'dynamic').series.late ?? [];
    expect(late).toHaveLength(12);
    expect(late[0]).toBe(0);
    expect(late[5]).toBeGreaterThan(0);
  });
});

describe('scenario files', () => {
  it('refuses unknown keys by name', () => {
    expect(() => parseScenario({ ...SMALL, colour: 'red' })).toThrow(/colour/);
    expect(() => parseScenario({ ...SMALL, agents: [{ ...SMALL.agents[0], speed: 2 }] })).toThrow(/speed/);
    expect(() => runSimulation({ ...SMALL, policy: { headroomz: 1 } }, 1)).toThrow(/policy\.headroomz: unknown key/);
    expect(() => runSimulation({ ...SMALL, policy: { burst: { minFraction: 'x' } } }, 1)).toThrow(/policy\.burst\.minFraction: wrong type/);
  });
  it('names the field at fault', () => {
    expect(() => parseScenario({ ...SMALL, agents: [{ ...SMALL.agents[0], quality: 2 }] })).toThrow(/agents\.0\.quality/);
    expect(() => parseScenario({ ...SMALL, agents: [SMALL.agents[0], SMALL.agents[0]] })).toThrow(/duplicate agent id "good"/);
    expect(() => parseScenario({ ...SMALL, agents: [{ ...SMALL.agents[1], feeds: 'nobody' }] })).toThrow(/feeds unknown agent "nobody"/);
    expect(() => parseScenario({ ...SMALL, days: undefined })).toThrow(ScenarioError);
  });
  it('accepts engine settings in the policy block', () => {
    const r = runSimulation({ ...SMALL, policy: { headroom: 0.1, demandWeights: { recent: 0 } } }, 1);
    expect(r.policies).toHaveLength(4);
  });
  it('keeps files without the reporting and drift fields valid, with defaults that change nothing', () => {
    expect(parseScenario(SMALL).agents[0]).toMatchObject({ reportLateMinutes: 0, reportMissingShare: 0, qualityDailyAmplitude: 0 });
    expect(() => parseScenario({ ...SMALL, agents: [{ ...SMALL.agents[0], reportMissingShare: 1.5 }] })).toThrow(/agents\.0\.reportMissingShare/);
  });
  it('lets the engine see only the reports that arrived: reports that never come change dynamic, not fair', () => {
    const silent: ScenarioInput = { ...SMALL, agents: SMALL.agents.map((a) => (a.id === 'good' ? { ...a, reportMissingShare: 1 } : a)) };
    const late: ScenarioInput = { ...SMALL, agents: SMALL.agents.map((a) => (a.id === 'good' ? { ...a, reportLateMinutes: 45 } : a)) };
    const base = runSimulation(SMALL, 2, ['fair', 'dynamic']);
    const [whenSilent, whenLate] = [silent, late].map((variant) => runSimulation(variant, 2, ['fair', 'dynamic']));
    for (const r of [whenSilent!, whenLate!]) expect(byPolicy(r, 'fair')).toEqual(byPolicy(base, 'fair'));
    // The best agent's reports never arriving sends its share to the others: the fleet completes far less.
    expect(byPolicy(whenSilent!, 'dynamic').qualityWeightedTasks).toBeLessThan(0.5 * byPolicy(base, 'dynamic').qualityWeightedTasks);
    // Reports arriving late can only delay what the engine learns, never help.
    expect(byPolicy(whenLate!, 'dynamic').qualityWeightedTasks).toBeLessThanOrEqual(byPolicy(base, 'dynamic').qualityWeightedTasks);
  });
});

describe('the sweep (seeds 1-3, the corners of the grid)', () => {
  it('never does worse than fair sharing: dynamic ≥ 0.98 × fair, equal agents and a pool larger than demand included', () => {
    const sweep = runSweep(parseScenario(DEFAULT_SCENARIO), { seeds: [1, 2, 3], spreads: [1, 30], oversubscriptions: [0.5, 4], days: 1 });
    expect(sweep.cells).toHaveLength(12);
    for (const c of sweep.cells) expect(c.ratio, `spread ${c.spread}, ${c.oversubscription}× demand, seed ${c.seed}`).toBeGreaterThanOrEqual(0.98);
    expect(renderSweep(sweep)).toMatch(/target at least 0\.98: met/);
    expect(renderSweepSvg(sweep).match(/<polyline /g)).toHaveLength(2);
  }, 120_000);
});

describe('simulateCommand', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } } };
  };

  it('runs a scenario file, prints the report and writes the chart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tn-sim-'));
    try {
      const file = join(dir, 'scenario.json');
      const chart = join(dir, 'chart.svg');
      await writeFile(file, JSON.stringify(SMALL));
      const t = io();
      expect(await simulateCommand(['--scenario', file, '--seed', '5', '--out', chart], t.io)).toBe(0);
      expect(t.out.join('')).toContain('scenario "small", seed 5');
      expect(t.out.join('')).toContain(`Chart written to ${chart}`);
      expect((await readFile(chart, 'utf8')).startsWith('<svg')).toBe(true);
      const j = io();
      expect(await simulateCommand(['--scenario', file, '--json', '--no-chart'], j.io)).toBe(0);
      const parsed = JSON.parse(j.out.join('')) as SimulationReport;
      expect(parsed.policies.map((p) => p.policy)).toEqual(['equal', 'historic', 'fair', 'dynamic']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with a message for bad arguments and bad files', async () => {
    for (const argv of [['--seed', 'x'], ['--bogus'], ['--scenario'], ['--scenario', '/nonexistent/scenario.json']]) {
      const t = io();
      expect(await simulateCommand(argv, t.io)).toBe(2);
      expect(t.err.join('')).toMatch(/^token-ninja simulate: /);
    }
    const dir = await mkdtemp(join(tmpdir(), 'tn-sim-'));
    try {
      const file = join(dir, 'bad.json');
      await writeFile(file, '{"days": 1,');
      const t = io();
      expect(await simulateCommand(['--scenario', file, '--no-chart'], t.io)).toBe(2);
      expect(t.err.join('')).toContain('not valid JSON');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints usage for --help', async () => {
    const t = io();
    expect(await simulateCommand(['--help'], t.io)).toBe(0);
    expect(t.out.join('')).toContain('Usage: token-ninja simulate');
  });
});

describe('Prng', () => {
  it('repeats its sequence for a seed and has the means it claims', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    const r = new Prng(1);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += r.poisson(3);
    expect(sum / 20_000).toBeCloseTo(3, 1);
  });
});

describe('escapeXml', () => {
  it('escapes markup and quotes for text and attributes', () => {
    expect(escapeXml(`a<b & "c">`)).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  });
});
