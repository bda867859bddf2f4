import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AllocationsView, AuditView, ConfigReloadView } from '../../src/admin/backend.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../store/temp-dir.js';
import { nameAgents, startStack, type Stack } from './harness.js';

/** Config reload on the admin port (DESIGN §10) and the audit trail of admin changes, on a real proxy and mock. */

const TOKEN = 'reload-admin-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let dir: ReturnType<typeof tempDir>;
let file: string;
let stack: Stack | undefined;
let upstream = '';

/** The config file as an operator writes it: the base settings plus `extra`. */
function writeConfig(extra: Record<string, unknown>): void {
  const base = { port: 0, adminPort: 0, openaiUrl: upstream, anthropicUrl: upstream, store: 'memory', adminToken: TOKEN, tokensPerMinute: 60_000 };
  writeFileSync(file, JSON.stringify({ ...base, ...extra }));
}

async function start(env: Record<string, string> = {}, withFile = true): Promise<Stack> {
  const read = () => loadConfig({ argv: ['--config', file], env });
  // The proxy starts with the file's settings; the file is written once the mock's URL is known.
  stack = await startStack({ config: { adminToken: TOKEN, tokensPerMinute: 60_000 }, ...(withFile && { reload: { path: file, read } }) });
  upstream = stack.mock.url;
  writeConfig({});
  return stack;
}

const admin = (s: Stack, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(s.app.adminUrl + path, { ...init, headers: { ...AUTH, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
const reload = (s: Stack): Promise<Response> => admin(s, '/v1/config/reload', { method: 'POST' });
const allocations = async (s: Stack): Promise<AllocationsView> => (await admin(s, '/v1/allocations')).json() as Promise<AllocationsView>;
/** `token_ninja_cost_usd_total` of an agent, by team label. */
const costByTeam = async (s: Stack, agent: string): Promise<Map<string, number>> => {
  const text = await (await fetch(`${s.app.adminUrl}/metrics`)).text();
  const byTeam = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^token_ninja_cost_usd_total\{agent="([^"]+)",team="([^"]+)",model="[^"]+"\} (\S+)$/.exec(line);
    if (m !== null && m[1] === agent) byTeam.set(m[2] as string, (byTeam.get(m[2] as string) ?? 0) + Number(m[3]));
  }
  return byTeam;
};
const reloadCount = async (s: Stack, outcome: 'ok' | 'error'): Promise<number> => {
  const text = await (await fetch(`${s.app.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`token_ninja_config_reloads_total{outcome="${outcome}"}`));
  return Number(line?.split(' ')[1] ?? NaN);
};

beforeEach(() => {
  dir = tempDir('reload');
  file = join(dir.path, 'token-ninja.yaml');
  upstream = 'http://127.0.0.1:9';
});
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  dir.remove();
});

describe('POST /v1/config/reload', () => {
  it('puts a new pool in force at once (table and buckets), names what needs a restart, and changes the config hash', async () => {
    const s = await start();
    await nameAgents(s.app, ['alpha']);
    const before = await allocations(s);
    expect(before.pool).toBe(30_000);
    expect(before.configHash).toMatch(/^[0-9a-f]{16}$/);

    writeConfig({ tokensPerMinute: 120_000, queue: { maxWaitMs: 5_000 }, port: 1, logLevel: 'debug' });
    const res = await reload(s);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as ConfigReloadView;
    expect(answer.applied).toEqual(['queue', 'tokensPerMinute']);
    expect(answer.notReloadable).toEqual(['logLevel', 'port']);
    expect(answer.configHash).not.toBe(before.configHash);

    const after = await allocations(s);
    expect(after.pool).toBe(60_000);
    expect(after.configHash).toBe(answer.configHash);
    // The ledger was re-rated with the new table, without waiting for the next tick.
    const row = after.agents.find((a) => a.agent === 'alpha');
    expect(row).toBeDefined();
    expect(s.app.admission.view('alpha').allocation).toBeCloseTo(row?.allocation ?? NaN, 6);
    expect(row?.allocation).toBeGreaterThan(before.agents.find((a) => a.agent === 'alpha')?.allocation ?? Infinity);
    // What needs a restart keeps its running value.
    expect(s.app.config.port).toBe(0);
    expect(s.app.config.queue.maxWaitMs).toBe(5_000);
    expect(await reloadCount(s, 'ok')).toBe(1);
    const logged = s.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('config reloaded'));
    expect(logged).toMatchObject({ applied: ['queue', 'tokensPerMinute'], notReloadable: ['logLevel', 'port'], configHash: answer.configHash });

    // The same file again changes nothing and keeps the hash.
    const again = (await (await reload(s)).json()) as ConfigReloadView;
    expect(again).toEqual({ applied: [], notReloadable: ['logLevel', 'port'], configHash: answer.configHash });
  });

  it('keeps environment variables over the file, as at start', async () => {
    const s = await start({ TOKEN_NINJA_TOKENS_PER_MINUTE: '60000' });
    writeConfig({ tokensPerMinute: 600_000, calibration: { minTasks: 1 } });
    const answer = (await (await reload(s)).json()) as ConfigReloadView;
    expect(answer.applied).toEqual(['calibration']);
    expect((await allocations(s)).pool).toBe(30_000);
  });

  it('refuses an invalid file with 400 naming the field, keeps the running config, counts and logs the error', async () => {
    const s = await start();
    const before = await allocations(s);
    writeConfig({ tokensPerMinute: 120_000, queue: { maxWaitMs: -1 } });
    const res = await reload(s);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_config');
    expect(body.error.message).toContain('queue.maxWaitMs');

    writeFileSync(file, 'tokensPerMinute: [unclosed');
    const yaml = (await (await reload(s)).json()) as { error: { code: string; message: string } };
    expect(yaml.error.code).toBe('invalid_config');
    expect(yaml.error.message).toContain('not valid YAML');

    const after = await allocations(s);
    expect(after.pool).toBe(before.pool);
    expect(after.configHash).toBe(before.configHash);
    expect(s.app.config.tokensPerMinute).toBe(60_000);
    expect(await reloadCount(s, 'error')).toBe(2);
    expect(await reloadCount(s, 'ok')).toBe(0);
    expect(s.logs.find((l) => l.msg === 'config reload failed; the running config is kept')).toMatchObject({ field: 'queue.maxWaitMs' });
    const audit = (await (await admin(s, '/v1/audit')).json()) as AuditView;
    expect(audit.entries).toEqual([]);
  });

  it('puts teams, prices and caps in force at once: the next request is in the new team, priced anew, and held to the new cap', async () => {
    const s = await start();
    const client = new OpenAI({ baseURL: `${s.app.url}/agents/r-1/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] });
    await ask();
    expect([...(await costByTeam(s, 'r-1')).keys()]).toEqual(['default']);

    // gpt-4o-mini at 1,000× its book price; a fleet day cap a few requests wide; r-* in team research.
    writeConfig({ prices: { 'gpt-4o-mini': { input: 150, output: 600 } }, teams: { research: { agents: ['r-*'] } }, caps: [{ scope: 'fleet', period: 'day', limit: 300 }] });
    const answer = (await (await reload(s)).json()) as ConfigReloadView;
    expect(answer.applied).toEqual(['caps', 'prices', 'teams']);
    expect(answer.notReloadable).toEqual([]);

    await ask();
    const after = await costByTeam(s, 'r-1');
    // The second request, the same size as the first, is in the new team and cost about 1,000× as much.
    expect([...after.keys()].sort()).toEqual(['default', 'research']);
    expect((after.get('research') ?? 0) / (after.get('default') ?? Infinity)).toBeGreaterThan(500);
    const teams = (await (await admin(s, '/v1/teams')).json()) as { teams: { team: string }[] };
    expect(teams.teams.map((t) => t.team)).toContain('research');
    // The cap counts from the reload on: within a few requests the fleet is refused until UTC midnight.
    let refusal: unknown;
    for (let i = 0; i < 20 && refusal === undefined; i++) await ask().catch((err: unknown) => (refusal = err));
    expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refusal as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ code: 'budget_cap_reached' });
  });

  it('answers 409 no_config_file when the proxy was started without --config', async () => {
    const s = await start({}, false);
    const res = await reload(s);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_config_file');
    expect(await reloadCount(s, 'error')).toBe(1);
  });
});

describe('GET /v1/audit', () => {
  it('records every admin change with its time and client, newest first; unchanged deletes record nothing', async () => {
    const s = await start();
    const put = (path: string, body: unknown) => admin(s, path, { method: 'PUT', body: JSON.stringify(body) });
    const del = (path: string) => admin(s, path, { method: 'DELETE' });
    const startedAt = Date.now();
    expect((await put('/v1/overrides/alpha', { tokensPerMinute: 5_000, reason: 'incident' })).status).toBe(200);
    expect((await del('/v1/overrides/alpha')).status).toBe(204);
    expect((await del('/v1/overrides/alpha')).status).toBe(404);
    expect((await put('/v1/agents/beta/policy', { ceiling: 'critical' })).status).toBe(200);
    expect((await del('/v1/agents/beta/policy')).status).toBe(204);
    writeConfig({ tokensPerMinute: 90_000 });
    expect((await reload(s)).status).toBe(200);

    const { entries } = (await (await admin(s, '/v1/audit')).json()) as AuditView;
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ['config.reload', file],
      ['policy.delete', 'beta'],
      ['policy.set', 'beta'],
      ['override.delete', 'alpha'],
      ['override.set', 'alpha'],
    ]);
    for (const e of entries) {
      expect(e.client).toMatch(/127\.0\.0\.1$/);
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(startedAt - 1000);
    }
    expect(entries[4]?.detail).toMatchObject({ agent: 'alpha', tokensPerMinute: 5_000, reason: 'incident' });
    expect(entries[2]?.detail).toEqual({ ceiling: 'critical' });
    expect(entries[0]?.detail).toMatchObject({ applied: ['tokensPerMinute'], notReloadable: [] });
    const two = (await (await admin(s, '/v1/audit?limit=2')).json()) as AuditView;
    expect(two.entries).toEqual(entries.slice(0, 2));
  });

  it('is out of reach of an agent on the agents\' port, whatever path or header it tries', async () => {
    const s = await start();
    await admin(s, '/v1/overrides/greedy', { method: 'PUT', body: JSON.stringify({ tokensPerMinute: 1 }) });
    for (const path of ['/v1/audit', '/agents/greedy/v1/audit', '/token-ninja/v1/audit']) {
      const res = await fetch(s.app.url + path, { headers: { ...AUTH, 'x-token-ninja-agent': 'greedy' } });
      const text = await res.text();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(text).not.toContain('override.set');
    }
    // Nor can it reload the config from there.
    const res = await fetch(`${s.app.url}/v1/config/reload`, { method: 'POST', headers: AUTH });
    await res.arrayBuffer();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await reloadCount(s, 'ok')).toBe(0);
  });
});
