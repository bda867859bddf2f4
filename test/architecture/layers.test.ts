import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSpecifiers, layerViolations, readSources, REPO_ROOT } from './imports.js';

/**
 * Which src/ folders each src/ folder may import (besides itself). Intended layering, lowest first:
 *   domain      shared vocabulary (priority classes, agent ids, JSON, routes, usage, estimates): imports nothing
 *   errors      the base error class: imports nothing
 *   allocation, tokens, accounting, pricing, store, mock: the vocabulary and errors only; allocation and pricing stay pure
 *   providers (over tokens), budget (over store), config (over allocation's defaults and store specs),
 *   telemetry (over accounting's records)
 *   alerts (over config, store and telemetry: webhook delivery, fed by the app, never by the request path itself)
 *   admin, proxy: the request and admin paths
 *   app (composition); simulate over the engine and app's input code (it must see what the proxy sees, issue 17),
 *     and the proxy's unit, price book and charge units (it charges as the proxy charges, issue 15);
 *   then demo and cli on top.
 * A lower folder never imports a higher one. Adding an edge here is a design decision: say why in the commit.
 */
const FOUNDATION = ['domain', 'errors'] as const;
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  domain: [],
  errors: [],
  allocation: [...FOUNDATION],
  tokens: [...FOUNDATION],
  accounting: [...FOUNDATION],
  pricing: [...FOUNDATION],
  store: [...FOUNDATION],
  mock: [...FOUNDATION],
  providers: [...FOUNDATION, 'tokens'],
  budget: [...FOUNDATION, 'store'],
  config: [...FOUNDATION, 'allocation', 'store'],
  telemetry: [...FOUNDATION, 'accounting'],
  alerts: [...FOUNDATION, 'config', 'store', 'telemetry'],
  admin: [...FOUNDATION, 'config', 'telemetry'],
  proxy: [...FOUNDATION, 'accounting', 'admin', 'config', 'providers', 'store'],
  app: [...FOUNDATION, 'accounting', 'admin', 'alerts', 'allocation', 'budget', 'config', 'pricing', 'providers', 'proxy', 'store', 'telemetry', 'tokens'],
  simulate: [...FOUNDATION, 'accounting', 'allocation', 'app', 'config', 'pricing', 'store'],
  demo: [...FOUNDATION, 'admin', 'app', 'config', 'mock', 'simulate'],
  cli: [...FOUNDATION, 'app', 'config', 'demo', 'mock', 'simulate', 'store', 'telemetry'],
};

describe('layering of src/', () => {
  it('places every src/ folder in the table', () => {
    const folders = readdirSync(join(REPO_ROOT, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).toEqual(Object.keys(ALLOWED).sort());
  });

  it('has no import the table does not grant', () => {
    const sources = readSources(REPO_ROOT, 'src');
    expect(sources.length).toBeGreaterThan(100);
    expect(layerViolations(sources, ALLOWED)).toEqual([]);
  });

  it('the table has no cycle, so it describes layers', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycleFrom = (folder: string): boolean => {
      if (done.has(folder)) return false;
      if (visiting.has(folder)) return true;
      visiting.add(folder);
      const cyclic = (ALLOWED[folder] ?? []).some(cycleFrom);
      visiting.delete(folder);
      done.add(folder);
      return cyclic;
    };
    expect(Object.keys(ALLOWED).filter(cycleFrom)).toEqual([]);
  });
});

describe('the layering check itself', () => {
  it('reads static, type-only, multi-line, re-export, side-effect and dynamic imports, not commented ones', () => {
    const text = [
      "import { a } from './a.js';",
      'import type {',
      '  B,',
      "} from '../b/b.js';",
      "export { c } from './c.js';",
      "import './d.js';",
      "const e = await import('../e/e.js');",
      "// import { z } from '../z/z.js';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['./a.js', '../b/b.js', './c.js', './d.js', '../e/e.js', 'zod']);
  });

  it('flags allocation/ importing budget/, and a folder missing from the table', () => {
    const files = [
      { path: 'src/allocation/priority.ts', text: "import { priorityRank } from '../budget/priority.js';\nimport { x } from './types.js';" },
      { path: 'src/domain/priority.ts', text: "import type { Config } from '../config/schema.js';" },
      { path: 'src/newfolder/a.ts', text: "import { b } from '../domain/json.js';" },
      { path: 'src/budget/ledger.ts', text: "import { z } from 'zod';\nimport { y } from '../domain/priority.js';" },
    ];
    expect(layerViolations(files, ALLOWED)).toEqual([
      { file: 'src/allocation/priority.ts', specifier: '../budget/priority.js', from: 'allocation', to: 'budget' },
      { file: 'src/domain/priority.ts', specifier: '../config/schema.js', from: 'domain', to: 'config' },
      { file: 'src/newfolder/a.ts', specifier: '../domain/json.js', from: 'newfolder', to: 'domain' },
    ]);
  });
});
