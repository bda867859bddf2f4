import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, parseScenario, renderReport, runSimulation, ScenarioError, simulateCommand } from '../../src/simulate/index.js';
import type { PolicyResult, ScenarioInput, SimulationReport } from '../../src/simulate/index.js';

/** The default fleet, short: a quarter day of history and a quarter day measured. */
const SHORT_DEFAULT: ScenarioInput = { ...DEFAULT_SCENARIO, days: 0.25, historyDays: 0.25 };

function byPolicy(report: SimulationReport, name: PolicyResult['policy']): PolicyResult {
  const p = report.policies.find((x) => x.policy === name);
  if (p === undefined) throw new Error(`no ${name}`);
  return p;
}

function invalid(input: unknown): string {
  try {
    parseScenario(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).message;
  }
  throw new Error('scenario accepted');
}

/** Two identical agents whose demand is far above the pool; `dear` is on a model ten times `cheap`'s price. */
const TWO_PRICES: ScenarioInput = {
  name: 'two-prices',
  days: 0.1,
  historyDays: 0.05,
  tokensPerMinute: 20_000,
  prices: { cheap: { input: 1, output: 1 }, dear: { input: 10, output: 10 } },
  agents: [
    { id: 'a-cheap', model: 'cheap', tokensPerTask: 5000, quality: 0.8, demandTokensPerMinute: 100_000 },
    { id: 'b-dear', model: 'dear', tokensPerTask: 5000, quality: 0.8, demandTokensPerMinute: 100_000 },
  ],
};

describe('scenario unit, models and prices', () => {
  it('defaults to tokens, gpt-4o-mini, no price overrides and a fifth of output', () => {
    const s = parseScenario(SHORT_DEFAULT);
    expect(s).toMatchObject({ model: 'gpt-4o-mini', prices: {} });
    expect(s.unit).toBeUndefined();
    expect(s.agents[0]).toMatchObject({ outputShare: 0.2 });
    expect(s.agents[0]?.model).toBeUndefined();
  });

  it('refuses bad values and names the field', () => {
    expect(invalid({ ...SHORT_DEFAULT, unit: 'eur' })).toMatch(/^invalid scenario: unit: /);
    expect(invalid({ ...SHORT_DEFAULT, usdPerMinute: 0 })).toMatch(/^invalid scenario: usdPerMinute: /);
    expect(invalid({ ...SHORT_DEFAULT, model: 'gpt-9-imaginary' })).toBe('invalid scenario: model: no price for model "gpt-9-imaginary": name one the price book has, or add it to prices');
    expect(invalid({ ...TWO_PRICES, agents: [{ ...TWO_PRICES.agents[0], model: 'nope' }] })).toMatch(/^invalid scenario: agents\.0\.model: no price for model "nope"/);
    expect(invalid({ ...TWO_PRICES, agents: [{ ...TWO_PRICES.agents[0], outputShare: 1.5 }] })).toMatch(/^invalid scenario: agents\.0\.outputShare: /);
    expect(invalid({ ...TWO_PRICES, prices: { cheap: { input: -1 } } })).toMatch(/^invalid scenario: prices\.cheap\.input: /);
    expect(invalid({ ...TWO_PRICES, prices: { cheap: { inputs: 1 } } })).toMatch(/^invalid scenario: prices\.cheap: .*inputs/);
  });

  it('prices a model the book lacks once prices names it', () => {
    expect(parseScenario({ ...SHORT_DEFAULT, model: 'in-house-7b', prices: { 'in-house-7b': { input: 0.1, output: 0.2 } } }).model).toBe('in-house-7b');
  });
});

describe('budgets in tokens', () => {
  // Figures of the short default fleet, seed 1, measured before models and units existed: in tokens the
  // model, the output share and the price book must change nothing.
  const BEFORE: Record<PolicyResult['policy'], { quality: number; tasks: number; tokens: number; idle: number }> = {
    equal: { quality: 4635.224710772039, tasks: 5677, tokens: 163507161.95929825, idle: 0.24260573166991578 },
    historic: { quality: 4540.392819327954, tasks: 6650, tokens: 191587951.31538585, idle: 0.11259029147231951 },
    fair: { quality: 7169.378279109661, tasks: 8935, tokens: 206976799.37606904, idle: 0.04172456303004318 },
    dynamic: { quality: 8129.090003805921, tasks: 10377, tokens: 194237436.2543036, idle: 0.0007526099337788757 },
  };

  it('gives the default fleet exactly the figures it had before, whatever models it names', () => {
    const plain = runSimulation(SHORT_DEFAULT, 1);
    const named = runSimulation({ ...SHORT_DEFAULT, model: 'claude-opus-4-1', agents: SHORT_DEFAULT.agents.map((a, i) => ({ ...a, model: i % 2 === 0 ? 'gpt-4o' : 'claude-haiku-4-5', outputShare: 0.6 })) }, 1);
    for (const report of [plain, named]) {
      expect(report.unit).toBe('tokens');
      for (const p of report.policies) {
        const b = BEFORE[p.policy];
        expect({ quality: p.qualityWeightedTasks, tasks: p.tasksCompleted, tokens: p.tokensServed, idle: p.poolIdleFraction }).toEqual(b);
      }
    }
    expect(named.policies.map((p) => p.series)).toEqual(plain.policies.map((p) => p.series));
    // Only the dollars differ: the same tokens, priced by other models.
    expect(byPolicy(named, 'dynamic').usdServed).not.toBe(byPolicy(plain, 'dynamic').usdServed);
  }, 60_000);

  it('gives two identical agents equal tokens and prices them by model', () => {
    const report = runSimulation(TWO_PRICES, 1, ['equal', 'fair']);
    for (const p of report.policies) {
      const cheap = p.agents['a-cheap'];
      const dear = p.agents['b-dear'];
      expect(cheap?.tokensServed).toBeGreaterThan(0);
      expect(dear?.tokensServed).toBeCloseTo(cheap?.tokensServed ?? 0, -2);
      expect((dear?.usdServed ?? 0) / (cheap?.usdServed ?? 1)).toBeCloseTo(10, 1);
      expect(p.models.dear).toMatchObject({ agents: ['b-dear'], usdServed: dear?.usdServed });
    }
  });
});

describe('budgets in dollars', () => {
  it('charges by price: at equal dollars the cheap agent gets ten times the tokens', () => {
    const report = runSimulation({ ...TWO_PRICES, unit: 'usd' }, 1, ['equal', 'fair']);
    expect(report.unit).toBe('usd');
    // Per dollar the cheap agent is the more productive: it ranks above.
    expect(report.agents.map((a) => [a.id, a.quartile])).toEqual([
      ['a-cheap', 3],
      ['b-dear', 1],
    ]);
    for (const p of report.policies) {
      // Short of what it asked by more than a token's worth, in dollars.
      expect(p.throttledTicks).toBeGreaterThan(0);
      const cheap = p.agents['a-cheap'];
      const dear = p.agents['b-dear'];
      expect(dear?.usdServed).toBeGreaterThan(0);
      expect((dear?.usdServed ?? 0) / (cheap?.usdServed ?? 1)).toBeCloseTo(1, 2);
      expect((cheap?.tokensServed ?? 0) / (dear?.tokensServed ?? 1)).toBeCloseTo(10, 1);
    }
  });

  it('defaults the dollar pool to what the token pool costs at the fleet demand mix, and spends no more', () => {
    const report = runSimulation({ ...TWO_PRICES, unit: 'usd' }, 1, ['equal']);
    // $1 and $10 per million tokens, equal demand: $5.50 per million on average.
    expect(report.poolUsdPerMinute).toBeCloseTo(20_000 * 5.5e-6, 12);
    expect(report.poolPerMinute).toBe(report.poolUsdPerMinute);
    const measuredMinutes = 0.1 * 24 * 60;
    expect(byPolicy(report, 'equal').usdServed).toBeLessThanOrEqual(report.poolPerMinute * measuredMinutes * (1 + 1e-9));
  });

  it('gives the same report for the same seed and another for another seed', () => {
    const scenario: ScenarioInput = { ...TWO_PRICES, unit: 'usd', usdPerMinute: 0.05, agents: TWO_PRICES.agents.map((a) => ({ ...a, reportNoise: 0.2 })) };
    const first = runSimulation(scenario, 3, ['dynamic']);
    expect(runSimulation(scenario, 3, ['dynamic'])).toEqual(first);
    expect(runSimulation(scenario, 4, ['dynamic'])).not.toEqual(first);
  });

  it('prints dollars and each model’s share', () => {
    const text = renderReport(runSimulation({ ...TWO_PRICES, unit: 'usd' }, 1));
    expect(text).toMatch(/pool \$0\.11\/min \(budgets in dollars; 20,000 tokens\/min in tokens\)/);
    for (const label of ['dollars spent', 'quality-weighted tasks per dollar', 'dollars allocated but idle', 'share of dollars, cheap agents', 'share of tokens, dear agents']) expect(text).toContain(label);
    expect(text).toMatch(/Quality-weighted tasks per dollar \(per million tokens\): dynamic \d+\.\d\d \(\d+\.\d\), fair share \d+\.\d\d/);
  });
});

describe('scenarios/mixed-models.json', () => {
  it('parses, and in dollars gives the gpt-4o-mini agents more of the tokens and the gpt-4o agents less of the money', async () => {
    const file = parseScenario(JSON.parse(await readFile(new URL('../../scenarios/mixed-models.json', import.meta.url), 'utf8')));
    const short = { ...file, days: 0.1, historyDays: 0.1 };
    const [tokens] = runSimulation({ ...short, unit: 'tokens' }, 1, ['dynamic']).policies;
    const [usd] = runSimulation({ ...short, unit: 'usd', usdPerMinute: 0.6 }, 1, ['dynamic']).policies;
    if (tokens === undefined || usd === undefined) throw new Error('no dynamic run');
    const share = (p: PolicyResult, model: string, of: 'tokensServed' | 'usdServed') => (p.models[model]?.[of] ?? 0) / p[of];
    expect(Object.keys(tokens.models).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(share(usd, 'gpt-4o-mini', 'tokensServed')).toBeGreaterThan(share(tokens, 'gpt-4o-mini', 'tokensServed'));
    expect(share(usd, 'gpt-4o', 'usdServed')).toBeLessThan(share(tokens, 'gpt-4o', 'usdServed'));
    expect(usd.qualityTasksPerUsd).toBeGreaterThan(tokens.qualityTasksPerUsd);
  });
});

describe('simulate --unit and --usd-per-minute', () => {
  function io(): { stdout: { write(t: string): boolean }; stderr: { write(t: string): boolean }; out: () => string; err: () => string } {
    let out = '';
    let err = '';
    return {
      stdout: { write: (t) => ((out += t), true) },
      stderr: { write: (t) => ((err += t), true) },
      out: () => out,
      err: () => err,
    };
  }

  it('overrides the scenario unit and dollar pool', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tn-units-'));
    try {
      const file = join(dir, 'two-prices.json');
      await writeFile(file, JSON.stringify({ ...TWO_PRICES, unit: 'tokens', usdPerMinute: 1 }));
      const usd = io();
      expect(await simulateCommand(['--scenario', file, '--usd-per-minute', '2.5', '--no-chart', '--json'], usd)).toBe(0);
      expect(JSON.parse(usd.out())).toMatchObject({ unit: 'usd', poolUsdPerMinute: 2.5, poolPerMinute: 2.5, poolTokensPerMinute: 20_000 });
      const tokens = io();
      expect(await simulateCommand(['--scenario', file, '--unit', 'tokens', '--no-chart', '--json'], tokens)).toBe(0);
      expect(JSON.parse(tokens.out())).toMatchObject({ unit: 'tokens', poolUsdPerMinute: 1, poolPerMinute: 20_000 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad unit or pool, exit code 2', async () => {
    const a = io();
    expect(await simulateCommand(['--unit', 'eur'], a)).toBe(2);
    expect(a.err()).toContain('--unit must be one of tokens, usd, got "eur"');
    const b = io();
    expect(await simulateCommand(['--usd-per-minute', '-1'], b)).toBe(2);
    expect(b.err()).toContain('--usd-per-minute must be a positive number');
  });

  it('documents both in --help', async () => {
    const cli = io();
    expect(await simulateCommand(['--help'], cli)).toBe(0);
    expect(cli.out()).toContain('[--unit tokens|usd] [--usd-per-minute N]');
  });
});
