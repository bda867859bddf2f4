import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One source file, by its path relative to the repository root (posix separators). */
export interface SourceFile {
  path: string;
  text: string;
}

/** An import of one src/ folder by another that the allowed-dependency table does not grant. */
export interface LayerViolation {
  file: string;
  specifier: string;
  from: string;
  to: string;
}

/** Every module specifier a TypeScript source imports or re-exports (static, type-only, side-effect, dynamic), as the compiler reads them. */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The top-level src/ folder a path lies in (`src/budget/ledger.ts` → `budget`), or undefined outside src/. */
export function srcFolder(path: string): string | undefined {
  const parts = path.split('/');
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

/**
 * Cross-folder imports under src/ that `allowed` does not grant. Package imports (`zod`, `node:fs`) are not
 * layering; a relative import leaving src/ is reported with `to` = the path it reaches.
 */
export function layerViolations(files: readonly SourceFile[], allowed: Readonly<Record<string, readonly string[]>>): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const file of files) {
    const from = srcFolder(file.path);
    if (from === undefined) continue;
    for (const specifier of importSpecifiers(file.text)) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file.path), specifier));
      const to = srcFolder(target) ?? target;
      if (to !== from && !(allowed[from] ?? []).includes(to)) out.push({ file: file.path, specifier, from, to });
    }
  }
  return out;
}

/** Every .ts file under `dir` (relative to `root`), read. */
export function readSources(root: string, dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const child = join(abs, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) out.push({ path: relative(root, child).split(sep).join('/'), text: readFileSync(child, 'utf8') });
    }
  };
  walk(join(root, dir));
  return out;
}

/** The repository root, from this file's location. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
