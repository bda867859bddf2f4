import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from './cli-build.js';

/**
 * Startup failures the operator fixes, through the built CLI: one line `token-ninja: <cause>; <fix>` on stderr,
 * a non-zero exit code (2 config, 3 store, 4 a port that cannot be bound), and no stack unless the log level is debug (then on stdout, as a log).
 */

let cli: string;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tn-operator-'));
  cli = await buildCli();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    // Ports 0: should a case wrongly start the proxy, it binds nothing fixed and is killed below.
    const child = spawn(process.execPath, [cli, '--port', '0', '--admin-port', '0', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Exactly one non-empty line on stderr, `token-ninja: <cause>; <fix>`, and no stack frame anywhere. */
function expectOneLine(r: Run, exitCode: number, cause: RegExp, fix: string): void {
  expect(r.code).toBe(exitCode);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^token-ninja: .+; .+$/);
  expect(lines[0]).toMatch(cause);
  expect(lines[0]).toContain(fix);
  expect(r.stderr).not.toContain('    at ');
  expect(r.stdout).not.toContain('    at ');
}

describe('operator errors at startup: one line, no stack', () => {
  it('a port already in use → exit 4, naming the address and the settings to change', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const r = await run(['--port', String(port), '--store', 'memory']);
      expectOneLine(r, 4, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(the port is in use\\)`), 'choose another port (TOKEN_NINJA_PORT, TOKEN_NINJA_ADMIN_PORT)');
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('a corrupt SQLite file → exit 3, and the file is left alone', async () => {
    const path = join(dir, 'garbage.db');
    const garbage = 'this is not a database, just bytes '.repeat(200);
    writeFileSync(path, garbage);
    const r = await run(['--store', `sqlite:${path}`]);
    expectOneLine(r, 3, /the SQLite store .*garbage\.db is unreadable \(file is not a database\)/, 'restore a backup or move it aside to start empty');
    expect(readFileSync(path, 'utf8')).toBe(garbage);
  });

  it('an unwritable store path → exit 3', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const r = await run([], { TOKEN_NINJA_STORE: `sqlite:${join(blocker, 'sub', 'tn.db')}` });
    expectOneLine(r, 3, /cannot create the data directory .*not-a-dir\/sub for the SQLite store \(ENOTDIR/, 'or point the store (TOKEN_NINJA_STORE) elsewhere');
  });

  it('a store written by a newer schema → exit 3', async () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    const r = await run(['--store', `sqlite:${path}`]);
    expectOneLine(r, 3, /newer\.db has schema version 99, newer than this Token Ninja understands/, 'upgrade Token Ninja or use another file');
  });

  it('a bad config → exit 2, naming the field and the fix', async () => {
    expectOneLine(await run(['--tokens-per-minute', 'lots']), 2, /config field "tokensPerMinute" \(from --tokens-per-minute\): expected a number, got "lots"/, '; correct it');
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'demandWeights: {recent: 0, lastHour: 0, sameHourYesterday: 0, sameHourLastWeek: 0}\n');
    expectOneLine(await run(['--config', path]), 2, /config field "demandWeights" \(from .*bad\.yaml\): at least one weight must be positive/, '; correct it');
  });

  it('at debug level the stack is logged (stdout, NDJSON), stderr still one line', async () => {
    const path = join(dir, 'garbage-debug.db');
    writeFileSync(path, 'not a database '.repeat(300));
    const r = await run(['--store', `sqlite:${path}`], { TOKEN_NINJA_LOG_LEVEL: 'debug' });
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n').filter((l) => l.trim() !== '')).toHaveLength(1);
    const logged = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { type: string; stack: string } })
      .find((l) => l.msg === 'startup failed');
    expect(logged?.level).toBe(20);
    expect(logged?.err?.type).toBe('StoreCorruptError');
    expect(logged?.err?.stack).toContain('    at ');
  });
});
