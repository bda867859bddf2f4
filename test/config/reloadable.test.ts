import { describe, expect, it } from 'vitest';
import { configFilePath } from '../../src/config/load.js';
import { configChanges, configHash, RELOADABLE_KEYS, withReloaded } from '../../src/config/reloadable.js';
import { loadYaml as load } from './yaml-config.js';

/** What a reload applies, what it names for a restart, and the hash a fleet compares (DESIGN §10). */


describe('configChanges', () => {
  it('splits changed top-level keys into applied (reloadable) and notReloadable, sorted; unchanged keys are neither', () => {
    const running = load('tokensPerMinute: 1000\nport: 8080\nqueue: { maxWaitMs: 100 }');
    const next = load('tokensPerMinute: 2000\nport: 9090\nstore: memory\nqueue: { maxWaitMs: 100 }\npriority: { ceilings: { "*": critical } }');
    expect(configChanges(running, next)).toEqual({ applied: ['priority', 'tokensPerMinute'], notReloadable: ['port', 'store'] });
    expect(configChanges(running, running)).toEqual({ applied: [], notReloadable: [] });
  });

  it('sees a change deep inside a nested key, and none where only key order differs', () => {
    const a = load('agents: { planner: { criticality: high, ceiling: critical } }');
    expect(configChanges(a, load('agents: { planner: { ceiling: critical, criticality: high } }')).applied).toEqual([]);
    expect(configChanges(a, load('agents: { planner: { ceiling: critical, criticality: low } }')).applied).toEqual(['agents']);
  });
});

describe('withReloaded', () => {
  it('takes the reloadable keys from the new config and keeps the running value of every other key', () => {
    const running = load('tokensPerMinute: 1000\nport: 8080');
    const merged = withReloaded(running, load('tokensPerMinute: 2000\nport: 9090\nburst: { minPriority: normal }'));
    expect(merged.tokensPerMinute).toBe(2000);
    expect(merged.burst.minPriority).toBe('normal');
    expect(merged.port).toBe(8080);
    expect(Object.isFrozen(merged)).toBe(true);
  });
});

describe('the budget unit', () => {
  it('is not reloadable: a file that would change it keeps the running unit keys and names `unit`, the rest applies', () => {
    const tokens = load('tokensPerMinute: 1000');
    const toUsd = load('tokensPerMinute: 2000\nusdPerMinute: 5');
    expect(configChanges(tokens, toUsd)).toEqual({ applied: ['tokensPerMinute'], notReloadable: ['unit'] });
    const merged = withReloaded(tokens, toUsd);
    expect(merged.usdPerMinute).toBeUndefined();
    expect(merged.tokensPerMinute).toBe(2000);
    const usd = load('usdPerMinute: 5');
    expect(configChanges(usd, load('tokensPerMinute: 10'))).toEqual({ applied: ['tokensPerMinute'], notReloadable: ['unit'] });
    expect(withReloaded(usd, load('tokensPerMinute: 10')).usdPerMinute).toBe(5);
    // Within one unit, the dollar pool is reloadable like the token pool.
    expect(configChanges(usd, load('usdPerMinute: 8'))).toEqual({ applied: ['usdPerMinute'], notReloadable: [] });
    expect(withReloaded(usd, load('usdPerMinute: 8')).usdPerMinute).toBe(8);
  });
});

describe('configHash', () => {
  it('is 16 hex digits, the same for the same reloadable settings whatever their order or the other keys', () => {
    const a = load('tokensPerMinute: 1000\npriority: { maxDeadlineFactor: 3, ceilings: { "*": low } }');
    const b = load('port: 1234\npriority: { ceilings: { "*": low }, maxDeadlineFactor: 3 }\ntokensPerMinute: 1000');
    expect(configHash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(configHash(b)).toBe(configHash(a));
  });

  it('changes with every reloadable key', () => {
    const base = load('');
    const changed: Record<(typeof RELOADABLE_KEYS)[number], string> = {
      tokensPerMinute: 'tokensPerMinute: 5',
      priority: 'priority: { maxDependencyFactor: 3 }',
      agents: 'agents: { a: { ceiling: low } }',
      calibration: 'calibration: { minTasks: 9 }',
      queue: 'queue: { maxDepth: 7 }',
      burst: 'burst: { minPriority: critical }',
      baseline: 'baseline: { tokensPerMinute: 7 }',
      demandWeights: 'demandWeights: { recent: 0 }',
      newcomers: 'newcomers: { reserveFraction: 0.2 }',
      headroom: 'headroom: 0.5',
      floorTokensPerMinute: 'floorTokensPerMinute: 7',
      scoringWindowSeconds: 'scoringWindowSeconds: 7',
      usdPerMinute: 'usdPerMinute: 7',
      floorUsdPerMinute: 'floorUsdPerMinute: 0.5',
      prices: 'prices: { gpt-4o: { input: 1 } }',
      teams: 'teams: { research: { agents: [r-*] } }',
      caps: 'caps: [{ scope: fleet, period: day, limit: 5 }]',
      alerts: 'alerts: { webhook: "http://127.0.0.1:9/hook" }',
    };
    const hashes = new Set([configHash(base), ...Object.values(changed).map((yaml) => configHash(load(yaml)))]);
    expect(hashes.size).toBe(RELOADABLE_KEYS.length + 1);
  });
});

describe('configFilePath', () => {
  it('names the --config file in either flag form, and nothing without one', () => {
    expect(configFilePath(['--port', '1', '--config', 'a.yaml'])).toBe('a.yaml');
    expect(configFilePath(['--config=b.yaml'])).toBe('b.yaml');
    expect(configFilePath(['--port', '1'])).toBeUndefined();
  });
});
