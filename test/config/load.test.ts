import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastDemand } from '../../src/allocation/forecast.js';
import { DEFAULT_ALLOCATION_POLICY } from '../../src/allocation/policy.js';
import { policyFromConfig } from '../../src/app/proxy-app.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load.js';
import { unitOf } from '../../src/config/unit.js';
import { buildCli } from '../e2e/cli-build.js';

/** Config loading: one test per invalid-field case with its exact message, precedence, freezing, and the CLI's exit code 2. */

function fromYaml(yaml: string, extra: Partial<LoadConfigOptions> = {}): LoadConfigOptions {
  return { argv: ['--config', 'tn.yaml', ...(extra.argv ?? [])], env: extra.env ?? {}, readFile: () => yaml };
}

function failure(opts: LoadConfigOptions): ConfigError {
  try {
    loadConfig(opts);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

function expectRefused(opts: LoadConfigOptions, field: string, message: string): void {
  const err = failure(opts);
  expect(err.message).toBe(message);
  expect(err.field).toBe(field);
  expect(err.status).toBe(2);
  expect(err.message).not.toContain('\n');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tn-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('invalid config: one message naming the field', () => {
  it('unknown key at the top level', () => {
    expectRefused(fromYaml('bogus: 1\nport: 1'), 'bogus', 'unknown config key "bogus"');
  });

  it('unknown key nested', () => {
    expectRefused(fromYaml('queue:\n  maxWait: 1'), 'queue.maxWait', 'unknown config key "queue.maxWait" in "queue"');
    expectRefused(
      fromYaml('priority:\n  classWeights: {critical: 1, high: 1, normal: 1, low: 1, extra: 2}'),
      'priority.classWeights.extra',
      'unknown config key "priority.classWeights.extra" in "priority.classWeights"',
    );
    expectRefused(fromYaml(`apiKeys:\n  - {sha256: "${'a'.repeat(64)}", agent: x, key: sk-oops}`), 'apiKeys.0.key', 'unknown config key "apiKeys.0.key" in "apiKeys.0"');
  });

  it('wrong type in the file', () => {
    expectRefused(fromYaml('port: "8080"'), 'port', 'config field "port" (from tn.yaml): Invalid input: expected number, received string');
  });

  it('wrong type from env', () => {
    expectRefused({ env: { TOKEN_NINJA_PORT: 'abc' } }, 'port', 'config field "port" (from TOKEN_NINJA_PORT): expected a number, got "abc"');
    expectRefused({ env: { TOKEN_NINJA_PORT: '70000' } }, 'port', 'config field "port" (from TOKEN_NINJA_PORT): Too big: expected number to be <=65535');
  });

  it('wrong type from a flag', () => {
    expectRefused({ argv: ['--port', 'abc'], env: {} }, 'port', 'config field "port" (from --port): expected a number, got "abc"');
    expectRefused({ argv: ['--admin-port=1.5'], env: {} }, 'adminPort', 'config field "adminPort" (from --admin-port): Invalid input: expected int, received number');
    expectRefused({ argv: ['--require-agent=maybe'], env: {} }, 'requireAgent', 'config field "requireAgent" (from --require-agent): expected true or false, got "maybe"');
  });

  it('a flag overriding a valid file value is named as the source', () => {
    expectRefused(fromYaml('tokensPerMinute: 100', { argv: ['--tokens-per-minute', '-5'] }), 'tokensPerMinute', 'config field "tokensPerMinute" (from --tokens-per-minute): Too small: expected number to be >0');
  });

  it('bad URL', () => {
    expectRefused({ env: { TOKEN_NINJA_OPENAI_URL: 'not a url' } }, 'openaiUrl', 'config field "openaiUrl" (from TOKEN_NINJA_OPENAI_URL): Invalid URL');
    expectRefused({ env: { TOKEN_NINJA_ANTHROPIC_URL: 'ftp://example.com' } }, 'anthropicUrl', 'config field "anthropicUrl" (from TOKEN_NINJA_ANTHROPIC_URL): must be an http(s) URL');
  });

  it('bad enum', () => {
    expectRefused({ env: { TOKEN_NINJA_MODE: 'fast' } }, 'mode', 'config field "mode" (from TOKEN_NINJA_MODE): Invalid option: expected one of "enforce"|"observe"');
    expectRefused({ env: { TOKEN_NINJA_STORE_FAILURE: 'maybe' } }, 'storeFailure', 'config field "storeFailure" (from TOKEN_NINJA_STORE_FAILURE): Invalid option: expected one of "open"|"closed"');
    expectRefused(
      { argv: ['--log-level', 'loud'], env: {} },
      'logLevel',
      'config field "logLevel" (from --log-level): Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
    );
  });

  it('bad store spec', () => {
    const expected = 'expected "memory", "sqlite:PATH" or "redis://host:port[/db]"';
    expectRefused({ env: { TOKEN_NINJA_STORE: 'postgres://db' } }, 'store', `config field "store" (from TOKEN_NINJA_STORE): unknown store "postgres://db": ${expected}`);
    // Specs the store would refuse only when opened are refused here, as config errors (exit 2).
    expectRefused({ env: { TOKEN_NINJA_STORE: 'sqlite:' } }, 'store', `config field "store" (from TOKEN_NINJA_STORE): store "sqlite:" has no file path: ${expected}`);
    expectRefused(
      { env: { TOKEN_NINJA_STORE: 'redis://:secret@cache:6379/abc' } },
      'store',
      `config field "store" (from TOKEN_NINJA_STORE): store "redis://***@cache:6379/abc" names database "abc"; it must be a number: ${expected}`,
    );
  });

  it('bad agent id and bad key hash', () => {
    expectRefused({ env: { TOKEN_NINJA_AGENT: 'bad agent' } }, 'agent', 'config field "agent" (from TOKEN_NINJA_AGENT): must match [A-Za-z0-9._-]{1,64}');
    expectRefused(fromYaml('apiKeys:\n  - {sha256: abc, agent: x}'), 'apiKeys.0.sha256', 'config field "apiKeys.0.sha256" (from tn.yaml): must be 64 lowercase hex chars');
  });

  it('inconsistent nested values', () => {
    expectRefused(fromYaml('burst: {minFraction: 0.5, maxFraction: 0.1}'), 'burst', 'config field "burst" (from tn.yaml): minFraction must not exceed maxFraction');
  });

  it('demand weights: non-negative, at least one positive, no unknown window', () => {
    expectRefused(fromYaml('demandWeights: {recent: -0.1}'), 'demandWeights.recent', 'config field "demandWeights.recent" (from tn.yaml): Too small: expected number to be >=0');
    expectRefused(
      fromYaml('demandWeights: {recent: 0, lastHour: 0, sameHourYesterday: 0, sameHourLastWeek: 0}'),
      'demandWeights',
      'config field "demandWeights" (from tn.yaml): at least one weight must be positive',
    );
    expectRefused(fromYaml('demandWeights: {lastDay: 1}'), 'demandWeights.lastDay', 'unknown config key "demandWeights.lastDay" in "demandWeights"');
  });

  it('unreadable file', () => {
    const missing = join(dir, 'missing.yaml');
    expectRefused({ argv: ['--config', missing], env: {} }, 'config', `cannot read config file ${missing}: ENOENT: no such file or directory, open '${missing}'`);
    expectRefused({ argv: ['--config', dir], env: {} }, 'config', `cannot read config file ${dir}: EISDIR: illegal operation on a directory, read`);
  });

  it('invalid YAML', () => {
    expectRefused(fromYaml('port: [1, 2\nfoo: : :'), 'config', 'config file tn.yaml is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1');
    expectRefused(fromYaml('- a\n- b'), 'config', 'config file tn.yaml must hold a mapping of keys');
  });

  it('bad flags', () => {
    expectRefused({ argv: ['--bogus', '1'], env: {} }, 'bogus', 'unknown flag "--bogus"');
    expectRefused({ argv: ['--port'], env: {} }, 'port', 'flag "--port" needs a value');
    expectRefused({ argv: ['oops'], env: {} }, 'oops', 'unexpected argument "oops"');
  });
});

describe('precedence and result', () => {
  const yaml = 'port: 1001\nadminPort: 2001\nmode: observe\nqueue: {maxWaitMs: 5}';

  it('file < env < flags', () => {
    const env = { TOKEN_NINJA_PORT: '1002', TOKEN_NINJA_ADMIN_PORT: '2002' };
    const all = loadConfig(fromYaml(yaml, { env, argv: ['--port', '1003'] }));
    expect(all.port).toBe(1003);
    expect(all.adminPort).toBe(2002);
    expect(all.mode).toBe('observe');
    expect(all.queue.maxWaitMs).toBe(5);
    expect(loadConfig(fromYaml(yaml, { env })).port).toBe(1002);
    expect(loadConfig(fromYaml(yaml)).port).toBe(1001);
    expect(loadConfig({ argv: [], env: {} }).port).toBe(8080);
    expect(loadConfig(fromYaml(yaml, { argv: ['--mode=enforce'] })).mode).toBe('enforce');
  });

  it('a real file on disk, defaults and coercions', () => {
    const path = join(dir, 'tn.yaml');
    writeFileSync(path, 'openaiUrl: http://127.0.0.1:9/base/\nrequireAgent: false\n');
    const c = loadConfig({ argv: ['--config', path, '--require-agent'], env: { TOKEN_NINJA_UPSTREAM_TIMEOUT_MS: '1500' } });
    expect(c.openaiUrl).toBe('http://127.0.0.1:9/base');
    expect(c.requireAgent).toBe(true);
    expect(c.upstreamTimeoutMs).toBe(1500);
    expect(c.maxBodyBytes).toBe(32 * 1024 * 1024);
    expect(c.anthropicUrl).toBe('https://api.anthropic.com');
  });

  it('demandWeights reaches the policy; `recent: 0` alone is DESIGN §6.1\'s exact 0.4 / 0.3 / 0.3', () => {
    expect(policyFromConfig(loadConfig({ argv: [], env: {} })).demandWeights).toEqual(DEFAULT_ALLOCATION_POLICY.demandWeights);
    const policy = policyFromConfig(loadConfig(fromYaml('demandWeights: {recent: 0}')));
    expect(policy.demandWeights).toEqual({ recent: 0, lastHour: 0.08, sameHourYesterday: 0.06, sameHourLastWeek: 0.06 });
    const window = { demandTokens: 3600, coveredSeconds: 3600 };
    const { windows } = forecastDemand({ recent: window, lastHour: window, sameHourYesterday: window, sameHourLastWeek: window }, 0, policy);
    expect(windows.map((w) => w.window)).toEqual(['lastHour', 'sameHourYesterday', 'sameHourLastWeek']);
    [0.4, 0.3, 0.3].forEach((weight, i) => expect(windows[i]?.weight).toBeCloseTo(weight, 12));
  });

  it('newcomers.reserveFraction: 0.1 by default, a fraction of the pool (0–1), no other key', () => {
    expect(loadConfig(fromYaml('port: 1')).newcomers).toEqual({ reserveFraction: 0.1 });
    expect(loadConfig(fromYaml('newcomers: {reserveFraction: 0}')).newcomers.reserveFraction).toBe(0);
    expect(failure(fromYaml('newcomers: {reserveFraction: 1.5}')).field).toBe('newcomers.reserveFraction');
    expectRefused(fromYaml('newcomers: {baseline: 1}'), 'newcomers.baseline', 'unknown config key "newcomers.baseline" in "newcomers"');
  });

  it('unit: tokens by default, usd when a dollar pool is set (env too); the engine\'s pool, floor, baseline and calibration in that unit', () => {
    const tokens = loadConfig({ argv: [], env: {} });
    expect(unitOf(tokens)).toBe('tokens');
    expect(policyFromConfig(tokens)).toMatchObject({ tokensPerMinute: 1_000_000, floorTokensPerMinute: 1000, calibration: { minTokens: 20_000 } });
    const usd = loadConfig({ argv: [], env: { TOKEN_NINJA_USD_PER_MINUTE: '2.5' } });
    expect(unitOf(usd)).toBe('usd');
    expect(policyFromConfig(usd)).toMatchObject({ tokensPerMinute: 2.5, floorTokensPerMinute: 0.0025, calibration: { minTokens: 0.05 }, baseline: {} });
    const tuned = loadConfig(fromYaml('unit: usd\nusdPerMinute: 10\nfloorUsdPerMinute: 0.5\nbaseline: {usdPerMinute: 1}\ncalibration: {minUsd: 0.2}'));
    expect(policyFromConfig(tuned)).toMatchObject({ tokensPerMinute: 10, floorTokensPerMinute: 0.5, baseline: { tokensPerMinute: 1 }, calibration: { minTokens: 0.2 } });
    expect(unitOf(loadConfig(fromYaml('unit: tokens')))).toBe('tokens');
  });

  it('unit: usd needs usdPerMinute, tokens refuses it, and the unit is one of the two', () => {
    expectRefused(fromYaml('unit: usd'), 'usdPerMinute', 'config field "usdPerMinute": required when unit is usd (the pool in dollars per minute)');
    expectRefused(fromYaml('unit: tokens\nusdPerMinute: 1'), 'usdPerMinute', 'config field "usdPerMinute" (from tn.yaml): set, but unit is tokens: remove it or set unit: usd');
    expect(failure(fromYaml('unit: eur')).field).toBe('unit');
    expect(failure({ argv: [], env: { TOKEN_NINJA_USD_PER_MINUTE: 'lots' } }).field).toBe('usdPerMinute');
  });

  it('prices: none by default; per model and `default`, USD per million tokens, known keys only', () => {
    expect(loadConfig(fromYaml('port: 1')).prices).toEqual({});
    const prices = loadConfig(fromYaml('prices:\n  gpt-4o: {input: 2, cachedInput: 1}\n  default: {input: 1, output: 4}')).prices;
    expect(prices).toEqual({ 'gpt-4o': { input: 2, cachedInput: 1 }, default: { input: 1, output: 4 } });
    expectRefused(fromYaml('prices:\n  gpt-4o: {inptu: 2}'), 'prices.gpt-4o.inptu', 'unknown config key "prices.gpt-4o.inptu" in "prices.gpt-4o"');
    expectRefused(fromYaml('prices:\n  gpt-4o: {output: -1}'), 'prices.gpt-4o.output', 'config field "prices.gpt-4o.output" (from tn.yaml): Too small: expected number to be >=0');
  });

  it('caps: none by default; scope, period, limit and action checked; one cap per scope and period', () => {
    expect(loadConfig(fromYaml('port: 1')).caps).toEqual([]);
    expect(loadConfig(fromYaml('caps:\n  - {scope: team:research, period: month, limit: 5}')).caps).toEqual([{ scope: 'team:research', period: 'month', limit: 5, action: 'block' }]);
    expectRefused(
      fromYaml('caps:\n  - {scope: planner, period: day, limit: 5}'),
      'caps.0.scope',
      'config field "caps.0.scope" (from tn.yaml): must be fleet, team:<name> or agent:<id> (names and ids match [A-Za-z0-9._-]{1,64})',
    );
    expect(failure(fromYaml('caps:\n  - {scope: fleet, period: week, limit: 5}')).field).toBe('caps.0.period');
    expect(failure(fromYaml('caps:\n  - {scope: fleet, period: day, limit: 0}')).field).toBe('caps.0.limit');
    expect(failure(fromYaml('caps:\n  - {scope: fleet, period: day, limit: 5, action: warn}')).field).toBe('caps.0.action');
    expectRefused(
      fromYaml('caps:\n  - {scope: fleet, period: day, limit: 5}\n  - {scope: fleet, period: month, limit: 50}\n  - {scope: fleet, period: day, limit: 9, action: alert}'),
      'caps.2.scope',
      'config field "caps.2.scope" (from tn.yaml): a second day cap for fleet: one cap per scope and period',
    );
  });

  it('the result is frozen, nested objects too', () => {
    const c = loadConfig(fromYaml(yaml));
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.queue)).toBe(true);
    expect(Object.isFrozen(c.priority.classWeights)).toBe(true);
    expect(Object.isFrozen(c.apiKeys)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (c.queue as { maxWaitMs: number }).maxWaitMs = 1;
    }).toThrow(TypeError);
  });
});

describe('CLI', () => {
  let cli: string;
  beforeAll(async () => {
    cli = await buildCli();
  }, 120_000);

  function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr, stdout });
      });
    });
  }

  it('invalid config → exit code 2 and one line naming the field and the fix on stderr', async () => {
    const CORRECT_IT = 'correct it (the README\'s "Configuration" section lists every key with its type and default)';
    const fromFlag = await run(['--port', 'abc']);
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toBe(`token-ninja: config field "port" (from --port): expected a number, got "abc"; ${CORRECT_IT}\n`);
    expect(fromFlag.stdout).toBe('');

    const fromEnv = await run([], { TOKEN_NINJA_MODE: 'fast' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toBe(`token-ninja: config field "mode" (from TOKEN_NINJA_MODE): Invalid option: expected one of "enforce"|"observe"; ${CORRECT_IT}\n`);

    const path = join(dir, 'unknown.yaml');
    writeFileSync(path, 'store: memory\nqueue:\n  maxWaitMs: 10\n  depth: 3\n');
    const fromFile = await run(['--config', path]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toBe('token-ninja: unknown config key "queue.depth" in "queue"; remove it or correct its spelling (the README\'s "Configuration" section lists every key)\n');

    const badYaml = join(dir, 'bad.yaml');
    writeFileSync(badYaml, 'port: [1, 2\nfoo: : :');
    const yamlRun = await run(['start', '--config', badYaml]);
    expect(yamlRun.code).toBe(2);
    expect(yamlRun.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(yamlRun.stderr).toContain('is not valid YAML');
  });
});

describe('priority claims and operator policy (DESIGN §8)', () => {
  it('ceilings default to "*": high and the claim factors to 2, wired into the engine policy', async () => {
    const { policyFromConfig } = await import('../../src/app/proxy-app.js');
    const config = loadConfig({ env: {} });
    expect(config.priority.ceilings).toEqual({ '*': 'high' });
    expect(config.agents).toEqual({});
    const policy = policyFromConfig(loadConfig(fromYaml('priority: {maxDeadlineFactor: 1.5, maxDependencyFactor: 3}')));
    expect(policy.deadline.maxFactor).toBe(1.5);
    expect(policy.dependency.maxFactor).toBe(3);
  });

  it('agents: criticality and ceiling per agent id', () => {
    const config = loadConfig(fromYaml('agents:\n  planner: {criticality: high, ceiling: critical}\n  batch.bot: {ceiling: low}'));
    expect(config.agents).toEqual({ planner: { criticality: 'high', ceiling: 'critical' }, 'batch.bot': { ceiling: 'low' } });
  });

  it('refuses bad agent ids, unknown keys, unknown classes and factors below 1', () => {
    expectRefused(fromYaml('agents:\n  "bad id": {ceiling: low}'), 'agents.bad id', 'config field "agents.bad id" (from tn.yaml): must match [A-Za-z0-9._-]{1,64}');
    expectRefused(fromYaml('agents:\n  planner: {weight: 2}'), 'agents.planner.weight', 'unknown config key "agents.planner.weight" in "agents.planner"');
    expectRefused(
      fromYaml('agents:\n  planner: {ceiling: urgent}'),
      'agents.planner.ceiling',
      'config field "agents.planner.ceiling" (from tn.yaml): Invalid option: expected one of "critical"|"high"|"normal"|"low"',
    );
    expectRefused(fromYaml('priority: {maxDeadlineFactor: 0.5}'), 'priority.maxDeadlineFactor', 'config field "priority.maxDeadlineFactor" (from tn.yaml): Too small: expected number to be >=1');
  });
});
