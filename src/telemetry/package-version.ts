import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package's version, read once from package.json (two levels above both src/telemetry and dist/telemetry). */
export function packageVersion(): string {
  cached ??= readPackageVersion();
  return cached;
}

function readPackageVersion(): string {
  try {
    const raw: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    if (typeof raw === 'object' && raw !== null && 'version' in raw && typeof raw.version === 'string') {
      return raw.version;
    }
  } catch {
    // A missing or unreadable package.json must not stop the proxy: report 'unknown'.
  }
  return 'unknown';
}
