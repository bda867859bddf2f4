import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * A private build of src for tests that spawn the real CLI: inside node_modules (so packages resolve) and
 * apart from dist/ (which other work may be rebuilding at the same moment). Emit only (`--noCheck`): type
 * checking is `npm run typecheck`'s job, and skipping it makes the build a few seconds instead of many.
 */
// One folder per checkout: worktrees may share node_modules, and must not run each other's builds.
const CACHE = join(ROOT, 'node_modules', '.cache', 'token-ninja-tests', createHash('sha256').update(ROOT).digest('hex').slice(0, 12));
const OUT = join(CACHE, 'dist');
const LOCK = join(CACHE, 'build.lock');

/** Path of the built CLI entry point. */
export const CLI = join(OUT, 'cli', 'main.js');

function tsc(): Promise<void> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', OUT, '--noCheck'],
      { cwd: ROOT, timeout: 120_000 },
      () => resolve(),
    );
  });
}

/** Builds the CLI once per test run; concurrent test files wait for the one that builds (a mkdir lock). */
export async function buildCli(): Promise<string> {
  mkdirSync(dirname(LOCK), { recursive: true });
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Someone else builds: wait for them, then use their output.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > until) throw new Error('timed out waiting for the CLI build');
      await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(LOCK) && existsSync(CLI)) return CLI;
    }
  }
  try {
    await tsc();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  if (!existsSync(CLI)) throw new Error(`the CLI build produced no ${CLI}`);
  return CLI;
}
