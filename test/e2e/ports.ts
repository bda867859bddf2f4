import { createServer } from 'node:net';

/** A loopback port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` every `intervalMs` until it holds or `timeoutMs` passes (bounded); a probe that throws counts as false. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000, intervalMs = 10): Promise<boolean> {
  const holds = async () => {
    try {
      return await check();
    } catch {
      return false;
    }
  };
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await holds()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return holds();
}

/** Polls `check` like `eventually`, and fails the test naming what it waited for when it never holds. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  if (!(await eventually(check, timeoutMs, 1))) throw new Error(`timed out waiting until ${what}`);
}
