import { readFile, writeFile } from 'node:fs/promises';
import { DEFAULT_SCENARIO } from './default-scenario.js';
import { renderSvg } from './report-svg.js';
import { renderReport } from './report-text.js';
import { renderSweep, renderSweepSvg } from './report-sweep.js';
import { runSimulation } from './run.js';
import { renderTricks } from './report-tricks.js';
import { leastProductiveAgent, runTricks } from './tricks.js';
import { DEFAULT_SWEEP, runSweep } from './sweep.js';
import { parseScenario, ScenarioError } from './scenario.js';
import type { Scenario } from './scenario.js';
import { UNITS } from '../domain/unit.js';
import type { UnitName } from '../domain/unit.js';

/** Where the command writes; process streams by default. */
export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const USAGE = `Usage: token-ninja simulate [--scenario FILE] [--seed N | --sweep] [--unit tokens|usd] [--usd-per-minute N]
                            [--out chart.svg | --no-chart] [--json]
       token-ninja simulate --tricks [--agent ID] [--scenario FILE] [--seed N] [--unit tokens|usd] [--json]

Replays a synthetic fleet under a static equal split, a static split by historic usage, max-min fair
sharing and the dynamic allocation engine, at the same budget, and prints what each achieved. --sweep
instead compares dynamic with fair sharing over seeds 1-3, productivity spreads 1x-30x and demand 0.5x-4x
the pool (a few minutes), as a table and a chart. --tricks runs the dynamic engine with one agent (default:
the least productive) honest, then silent, claiming critical with short deadlines, rotating its id every 10
minutes, and retrying refused requests twice, and prints what each trick gained it (a minute or two).
--unit usd keeps every budget in dollars, each agent's tokens charged at its model's price; the pool is
--usd-per-minute, else the scenario's usdPerMinute, else what its token pool costs at the fleet's demand
mix. --unit tokens keeps them in tokens. --unit overrides the scenario's unit; --usd-per-minute alone
implies usd. The report shows tokens and dollars in either unit.
The scenario format is described in docs/allocation.md.
Defaults: the built-in scenario, seed 1, chart written to token-ninja-simulation.svg (token-ninja-sweep.svg).
`;

interface Args {
  scenario?: string;
  seed: number;
  out: string | null | undefined;
  sweep: boolean;
  tricks: boolean;
  agent?: string;
  unit?: UnitName;
  usdPerMinute?: number;
  json: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seed: 1, out: undefined, sweep: false, tricks: false, json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new ScenarioError(`${a} needs a value`);
      i += 1;
      return v;
    };
    if (a === '--scenario') args.scenario = value();
    else if (a === '--seed') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ScenarioError(`--seed must be an integer from 0 to 4294967295, got "${v}"`);
      args.seed = n;
    } else if (a === '--out') args.out = value();
    else if (a === '--no-chart') args.out = null;
    else if (a === '--json') args.json = true;
    else if (a === '--sweep') args.sweep = true;
    else if (a === '--tricks') args.tricks = true;
    else if (a === '--agent') args.agent = value();
    else if (a === '--unit') {
      const v = value();
      if (!(UNITS as readonly string[]).includes(v)) throw new ScenarioError(`--unit must be one of ${UNITS.join(', ')}, got "${v}"`);
      args.unit = v as UnitName;
    } else if (a === '--usd-per-minute') {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new ScenarioError(`--usd-per-minute must be a positive number, got "${v}"`);
      args.usdPerMinute = n;
    } else if (a === '--help' || a === '-h') args.help = true;
    else throw new ScenarioError(`unknown argument "${a}"`);
  }
  return args;
}

async function loadScenario(path: string | undefined): Promise<Scenario> {
  if (path === undefined) return parseScenario(DEFAULT_SCENARIO);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read scenario file ${path}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`scenario file ${path} is not valid JSON`, err);
  }
  return parseScenario(json);
}

/** `token-ninja simulate`: returns the exit code (0 done, 2 bad arguments or scenario). */
export async function simulateCommand(argv: string[], io: CommandIo = process): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const loaded = await loadScenario(args.scenario);
    // The flags override the file's unit and dollar pool (a dollar pool alone means usd); validated again with them.
    const unit = args.unit ?? (args.usdPerMinute !== undefined ? 'usd' : loaded.unit);
    const scenario = parseScenario({ ...loaded, unit, usdPerMinute: args.usdPerMinute ?? loaded.usdPerMinute });
    if (args.tricks) {
      const tricks = runTricks(scenario, args.agent ?? leastProductiveAgent(scenario), args.seed);
      io.stdout.write(args.json ? `${JSON.stringify(tricks, null, 2)}\n` : renderTricks(tricks));
      return 0;
    }
    let svg: string;
    if (args.sweep) {
      const sweep = runSweep(scenario, DEFAULT_SWEEP);
      io.stdout.write(args.json ? `${JSON.stringify(sweep, null, 2)}\n` : renderSweep(sweep));
      svg = renderSweepSvg(sweep);
    } else {
      const report = runSimulation(scenario, args.seed);
      io.stdout.write(args.json ? `${JSON.stringify({ ...report, policies: report.policies.map(({ series: _series, ...rest }) => rest) }, null, 2)}\n` : renderReport(report));
      svg = renderSvg(report);
    }
    const out = args.out === undefined ? (args.sweep ? 'token-ninja-sweep.svg' : 'token-ninja-simulation.svg') : args.out;
    if (out !== null) {
      await writeFile(out, svg);
      if (!args.json) io.stdout.write(`Chart written to ${out}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ScenarioError) {
      io.stderr.write(`token-ninja simulate: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
