import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoFlags, runDemo, type DemoResult } from '../../src/demo/demo-command.js';
import { DEMO_FLEET } from '../../src/demo/fleet.js';

// Four agents that all start at once.
const FLEET = DEMO_FLEET.filter((p) => ['coder', 'reviewer', 'chatter', 'looper'].includes(p.id));

describe('token-ninja demo (shortened, in-process)', () => {
  let dir: string;
  let result: DemoResult;
  let printed = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-test-'));
    // A pool the four agents oversubscribe (they ask for about 500k a minute), so the allocation has to choose.
    result = await runDemo({ seconds: 10, tickSeconds: 1, tokensPerMinute: 300_000, out: join(dir, 'chart.svg'), fleet: FLEET, write: (s) => void (printed += s) });
  }, 30_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the status page URL first and a table each tick', () => {
    expect(printed.split('\n').slice(0, 3).join('\n')).toContain(`status page: ${result.statusUrl}`);
    expect(result.statusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(result.ticks.length).toBeGreaterThanOrEqual(5);
    expect(printed.match(/\] tick \d+ · pool/g)?.length).toBe(result.ticks.length);
  });

  it('moves the allocation toward the productive agent', () => {
    const { finalAllocation: final } = result;
    // An equal split of what the agents share: the pool less the newcomer (10%) and minimum burst (5%) reserves.
    // (The first table may name only the agents that asked before it, so it is no fixed reference.)
    const equalSplit = (300_000 * 0.85) / FLEET.length;
    expect(final.coder).toBeGreaterThan(final.chatter!);
    expect(final.coder).toBeGreaterThan(final.looper!);
    expect(final.coder).toBeGreaterThan(equalSplit);
    expect(final.looper).toBeLessThan(equalSplit);
  });

  it('throttles the fleet and drives real traffic', () => {
    const all = Object.values(result.stats);
    expect(all.reduce((s, a) => s + a.rejected, 0)).toBeGreaterThan(0);
    expect(result.stats.coder!.ok).toBeGreaterThan(0);
    expect(result.stats.coder!.tasks).toBeGreaterThanOrEqual(2);
    expect(all.reduce((s, a) => s + a.errors, 0)).toBe(0);
  });

  it('prints the summary and writes the chart', async () => {
    expect(printed).toContain('Summary');
    expect(printed).toMatch(/tasks per million tokens — dynamic \(this run\): \d+; static equal split of the same tokens: \d+/);
    expect(result.summary.dynamicTasksPerMillion).toBeGreaterThan(result.summary.staticTasksPerMillion);
    expect(printed).toContain(`Chart of allocations over time: ${result.chartPath}`);
    const svg = await readFile(result.chartPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const p of FLEET) expect(svg).toContain(p.id);
  });
});

describe('demo flags', () => {
  it('parses, defaults and refuses', () => {
    expect(parseDemoFlags([])).toEqual({ seconds: 60, tickSeconds: 2, out: 'token-ninja-demo.svg' });
    expect(parseDemoFlags(['--seconds', '20', '--tick-seconds=0.5', '--out', 'x.svg'])).toEqual({ seconds: 20, tickSeconds: 0.5, out: 'x.svg' });
    expect(parseDemoFlags(['--seconds', 'x'])).toMatch(/--seconds/);
    expect(parseDemoFlags(['--bogus', '1'])).toMatch(/unknown flag/);
    expect(parseDemoFlags(['--help'])).toBe('help');
  });
});
