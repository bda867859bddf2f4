import { spawnSync } from 'node:child_process';

/** Result of one promtool run. */
export interface PromtoolResult {
  status: number;
  output: string;
}

/**
 * Run promtool (Debian package `prometheus`). A missing binary is a failure with a clear message, never
 * a skip: CI installs the package, and a silently skipped check proves nothing.
 */
export function promtool(args: readonly string[], stdin?: string): PromtoolResult {
  const run = spawnSync('promtool', [...args], { input: stdin, encoding: 'utf8', timeout: 20_000 });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error('promtool not found on PATH: install the Debian package `prometheus` (apt-get install -y prometheus)');
    }
    throw run.error;
  }
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}
