import { posix } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readSources, REPO_ROOT, type SourceFile } from './imports.js';

/**
 * OpenTelemetry costs nothing when off: the SDK is reached only through one dynamic import, taken when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. A static import of it (or of a module that imports it) anywhere else
 * would load it into every proxy.
 */

/** The static, value-level imports of a source (type-only imports are erased; dynamic ones load on demand). */
function staticValueImports(text: string): string[] {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const stmt of sf.statements) {
    if (ts.isImportDeclaration(stmt) && !stmt.importClause?.isTypeOnly && ts.isStringLiteral(stmt.moduleSpecifier)) {
      const named = stmt.importClause?.namedBindings;
      // `import { type A, type B }` is erased too.
      const allTypes = named !== undefined && ts.isNamedImports(named) && stmt.importClause?.name === undefined && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) out.push(stmt.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(stmt) && !stmt.isTypeOnly && stmt.moduleSpecifier !== undefined && ts.isStringLiteral(stmt.moduleSpecifier)) out.push(stmt.moduleSpecifier.text);
  }
  return out;
}

/** Files of src/ that load `@opentelemetry/*` when they load, directly or through other src/ files. */
function loadingOtel(files: readonly SourceFile[]): Set<string> {
  const byPath = new Map(files.map((f) => [f.path, staticValueImports(f.text)]));
  const resolve = (from: string, spec: string) => posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts');
  const loads = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [path, specs] of byPath) {
      if (loads.has(path)) continue;
      if (specs.some((s) => s.startsWith('@opentelemetry/') || (s.startsWith('.') && loads.has(resolve(path, s))))) {
        loads.add(path);
        grew = true;
      }
    }
  }
  return loads;
}

describe('OpenTelemetry is loaded lazily', () => {
  it('only src/telemetry/otel files load the SDK, and no file outside them loads one of those', () => {
    const loads = loadingOtel(readSources(REPO_ROOT, 'src'));
    expect(loads.size).toBeGreaterThan(0);
    expect([...loads].filter((p) => !p.startsWith('src/telemetry/otel/'))).toEqual([]);
    // The entry the app and the CLI use must not be one of them: it imports the SDK dynamically.
    expect(loads.has('src/telemetry/otel/load-tracing.ts')).toBe(false);
    expect(loads.has('src/telemetry/otel/start-otel.ts')).toBe(true);
  });

  it('the check sees a static import and not a type-only or dynamic one', () => {
    expect(staticValueImports("import { a } from 'x';\nimport type { B } from 'y';\nimport { type C } from 'z';\nconst d = await import('w');")).toEqual(['x']);
  });
});
