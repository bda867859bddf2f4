import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { copiesOf, envOf, execForm, parseDockerfile, workdirOf, type Stage } from './parse-dockerfile.js';
import { BIN_COMMAND, PACKAGE, ROOT, readText } from './repo.js';

const dockerfile = parseDockerfile(readText('Dockerfile'));
const runtime = dockerfile.stages.at(-1) as Stage;
const defaults = loadConfig({ argv: [], env: {} });

function stage(name: string): Stage {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no stage named ${name}`);
  return found;
}

/** A stage's RUN commands, those of the stages it is built FROM included. */
function runsOf(s: Stage): string[] {
  const inherited = dockerfile.stages.some((x) => x.name === s.base) ? runsOf(stage(s.base)) : [];
  return [...inherited, ...s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args)];
}

/** The stage's working directory, inherited from the stage it is built FROM when it sets none. */
function workdir(s: Stage): string {
  if (s.instructions.some((i) => i.keyword === 'WORKDIR')) return workdirOf(s);
  return dockerfile.stages.some((x) => x.name === s.base) ? workdir(stage(s.base)) : '/';
}

function copiedSources(s: Stage): { from?: string; sources: string[]; dest: string }[] {
  const inherited = dockerfile.stages.some((x) => x.name === s.base) ? copiedSources(stage(s.base)) : [];
  return [...inherited, ...copiesOf(s)];
}

describe('Dockerfile', () => {
  it('is multi-stage on a Node 20 slim base, with the runtime free of the toolchain', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(3);
    expect(PACKAGE.engines.node).toMatch(/^>=20/);
    for (const s of dockerfile.stages) {
      if (!dockerfile.stages.some((x) => x.name === s.base)) expect(s.base).toMatch(/^node:20[.\d]*-[a-z]+-slim$/);
    }
    expect(runsOf(runtime).join('\n')).not.toMatch(/g\+\+|python3|npm ci/);
  });

  it('copies only files that exist in the repository and are not excluded from the build context', () => {
    const ignored = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const local = dockerfile.stages.flatMap((s) => copiesOf(s).filter((c) => c.from === undefined).flatMap((c) => c.sources));
    expect(local.length).toBeGreaterThan(0);
    for (const source of local) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      const first = source.replace(/^\.\//, '').split('/')[0];
      expect(ignored, `${source} is not in .dockerignore`).not.toContain(first);
    }
  });

  it('copies from other stages only what those stages produce', () => {
    const fromCopies = dockerfile.stages.flatMap((s) => copiesOf(s).filter((c) => c.from !== undefined));
    expect(fromCopies.length).toBeGreaterThan(0);
    const tsconfigBuild = JSON.parse(readText('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    for (const copy of fromCopies) {
      const source = stage(copy.from as string);
      const dir = workdir(source).replace(/\/$/, '');
      for (const path of copy.sources) {
        const runs = runsOf(source).join('\n');
        if (path === `${dir}/node_modules`) {
          expect(runs).toMatch(/npm ci/);
        } else if (path === `${dir}/${tsconfigBuild.compilerOptions.outDir}`) {
          expect(runs).toMatch(/npm run build/);
          // What `npm run build` compiles must have been copied into the stage.
          const copied = copiedSources(source).flatMap((c) => c.sources);
          expect(copied).toContain(tsconfigBuild.compilerOptions.rootDir);
          expect(copied).toContain('tsconfig.build.json');
        } else {
          throw new Error(`COPY --from=${copy.from} ${path}: not a path that stage produces`);
        }
      }
    }
    // Production node_modules come from an --omit=dev install.
    const modules = copiesOf(runtime).find((c) => c.sources.some((p) => p.endsWith('/node_modules')));
    expect(runsOf(stage(modules?.from as string)).join('\n')).toMatch(/npm ci --omit=dev/);
  });

  it('starts with the package bin, as PID 1 (exec form)', () => {
    const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1);
    expect(execForm(cmd?.args as string)).toEqual(BIN_COMMAND);
    expect(runtime.instructions.some((i) => i.keyword === 'ENTRYPOINT')).toBe(false);
    // dist/cli/main.js is compiled from src/cli/main.ts.
    expect(existsSync(join(ROOT, (BIN_COMMAND[1] as string).replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
    // package.json sits next to dist/ (the version is read from ../../package.json).
    expect(copiesOf(runtime).some((c) => c.sources.includes('package.json'))).toBe(true);
  });

  it('checks health with node on the admin port’s /healthz', () => {
    const health = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.args).toContain(`http://127.0.0.1:${defaults.adminPort}/healthz`);
    const command = execForm((health?.args as string).replace(/^.*?CMD\s+/, ''));
    expect(command[0]).toBe('node');
  });

  it('listens on all interfaces, keeps SQLite on the /data volume, exposes both ports, runs as non-root', () => {
    const env = envOf(runtime);
    for (const name of Object.keys(env).filter((n) => n.startsWith('TOKEN_NINJA_'))) expect(Object.keys(ENV_VARS)).toContain(name);
    const config = loadConfig({ argv: [], env });
    expect(config.host).toBe('0.0.0.0');
    expect(config.store).toMatch(/^sqlite:\/data\//);
    expect(runtime.instructions.find((i) => i.keyword === 'VOLUME')?.args).toBe('/data');
    const exposed = runtime.instructions.find((i) => i.keyword === 'EXPOSE')?.args.split(/\s+/).map(Number);
    expect(exposed?.sort()).toEqual([config.port, config.adminPort].sort());
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });
});
