/** Paths and package facts the deploy tests check manifests against. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readText(path: string): string {
  return readFileSync(new URL(path, `file://${ROOT}`), 'utf8');
}

interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  engines: { node: string };
}

export const PACKAGE = JSON.parse(readText('package.json')) as PackageJson;

/** The command the package's bin runs: `node dist/cli/main.js`. */
export const BIN_COMMAND = ['node', PACKAGE.bin['token-ninja'] as string];
