import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/ports.js';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { startRedisServer, type RedisServer } from '../store/redis-server.js';
import { tempDir } from '../store/temp-dir.js';
import { admin, buildCli, fleetEnv, startProxy, type ProxyProcess } from './cli.js';

/**
 * Reload in fleet mode (DESIGN §10): each proxy reloads its own file, `configHash` shows when the fleet
 * disagrees, and every proxy reads the one audit trail of the shared store.
 */

const TICK_MS = 2000;

let redis: RedisServer;
let mock: MockProvider;
let dir: ReturnType<typeof tempDir>;
const proxies: ProxyProcess[] = [];
beforeAll(async () => {
  const [server] = await Promise.all([startRedisServer(), buildCli()]);
  redis = server;
  mock = await startMockProvider({ behaviour: { seed: 'fixed' } });
  dir = tempDir('fleet-reload');
}, 120_000);
afterAll(async () => {
  for (const p of proxies) await p.kill();
  await mock?.close();
  await redis?.stop();
  dir?.remove();
});

interface Allocations {
  pool: number;
  configHash: string;
}
const hashOf = async (p: ProxyProcess): Promise<string> => ((await admin(p, '/v1/allocations')).body as Allocations).configHash;

describe('fleet: reload', () => {
  it('reloads only the signalled proxy\'s file; configHash differs until the fleet agrees again; one audit trail', async () => {
    const files = ['a.yaml', 'b.yaml'].map((name) => join(dir.path, name));
    for (const file of files) writeFileSync(file, 'tokensPerMinute: 600000\n');
    const env = fleetEnv(redis.url, mock.url, TICK_MS);
    const [a, b] = await Promise.all(files.map((file) => startProxy(env, ['--config', file])));
    proxies.push(a!, b!);
    const [first, second] = [a!, b!];
    const agreed = await hashOf(first);
    expect(await hashOf(second)).toBe(agreed);

    writeFileSync(files[0]!, 'tokensPerMinute: 1200000\n');
    first.proc.kill('SIGHUP');
    expect(await eventually(async () => (await hashOf(first)) !== agreed, 10_000, 20)).toBe(true);
    expect(await hashOf(second)).toBe(agreed);
    // Its own file unchanged: 600 000 a minute in 2 s ticks.
    expect(((await admin(second, '/v1/allocations')).body as Allocations).pool).toBe(20_000);
    expect(await eventually(async () => ((await admin(first, '/v1/allocations')).body as Allocations).pool === 40_000, 10_000, 20)).toBe(true);

    // One trail in the shared store: the other proxy shows the reload, with the file that was reloaded.
    const audit = (await admin(second, '/v1/audit')).body as { entries: Array<{ action: string; target: string; client: string }> };
    expect(audit.entries[0]).toMatchObject({ action: 'config.reload', target: files[0], client: 'signal:SIGHUP' });

    writeFileSync(files[1]!, 'tokensPerMinute: 1200000\n');
    second.proc.kill('SIGHUP');
    expect(await eventually(async () => (await hashOf(second)) === (await hashOf(first)), 10_000, 20)).toBe(true);
    expect(await hashOf(first)).not.toBe(agreed);

    expect(await Promise.all([first.stop(), second.stop()])).toEqual([0, 0]);
  }, 60_000);
});
