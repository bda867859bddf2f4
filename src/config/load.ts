import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { BOOLEAN_KEYS, ENV_VARS, NUMERIC_KEYS } from './env.js';
import { ConfigError } from './errors.js';

export interface LoadConfigOptions {
  /** Command-line flags (without the node/script/subcommand words). */
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

type Raw = Record<string, unknown>;

const SEE_HELP = 'see token-ninja --help for the command line';

const TOP_LEVEL_KEYS = new Set(Object.keys(configSchema.shape));

/** Reads YAML file (--config), then env vars, then flags (each overriding the last); validates once; freezes. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const { configPath, flags } = parseFlags(opts.argv ?? []);
  const sources = new Map<string, string>();

  const merged: Raw = {};
  if (configPath !== undefined) {
    Object.assign(merged, readYaml(configPath, readFile));
    for (const key of Object.keys(merged)) sources.set(key, configPath);
  }
  for (const [name, key] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    merged[key] = coerce(key, value, name);
    sources.set(key, name);
  }
  for (const [key, { value, flag }] of flags) {
    merged[key] = coerce(key, value, flag);
    sources.set(key, flag);
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) throw fromZod(result.error, sources);
  return deepFreeze(result.data);
}

/** The `--config` file named on the command line, if any (what a reload re-reads). */
export function configFilePath(argv: readonly string[]): string | undefined {
  return parseFlags(argv).configPath;
}

function parseFlags(argv: readonly string[]): { configPath?: string; flags: Map<string, { value: string; flag: string }> } {
  const flags = new Map<string, { value: string; flag: string }>();
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(arg, `unexpected argument "${arg}"`, { fix: SEE_HELP });
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const flag = `--${name}`;
    const key = name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (name !== 'config' && !TOP_LEVEL_KEYS.has(key)) throw new ConfigError(name, `unknown flag "${flag}"`, { fix: SEE_HELP });
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      if (BOOLEAN_KEYS.has(key) && (next === undefined || next.startsWith('--'))) value = 'true';
      else if (next === undefined) throw new ConfigError(key, `flag "${flag}" needs a value`, { fix: `give it one: ${flag} VALUE or ${flag}=VALUE` });
      else {
        value = next;
        i++;
      }
    }
    if (name === 'config') configPath = value;
    else flags.set(key, { value, flag });
  }
  return { configPath, flags };
}

function readYaml(path: string, readFile: (p: string) => string): Raw {
  let text: string;
  try {
    text = readFile(path);
  } catch (cause) {
    throw new ConfigError('config', `cannot read config file ${path}: ${(cause as Error).message}`, { cause, fix: 'check the --config path and its permissions' });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    // yaml's message is its first line plus a code excerpt; keep the first line, minus the colon that introduced the excerpt.
    const first = ((cause as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '');
    throw new ConfigError('config', `config file ${path} is not valid YAML: ${first}`, { cause, fix: 'fix the YAML at that place' });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('config', `config file ${path} must hold a mapping of keys`, { fix: 'write one `key: value` per line at the top level' });
  return doc as Raw;
}

function coerce(key: string, value: string, source: string): unknown {
  if (NUMERIC_KEYS.has(key)) {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new ConfigError(key, `config field "${key}" (from ${source}): expected a number, got "${value}"`);
    return n;
  }
  if (BOOLEAN_KEYS.has(key)) {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new ConfigError(key, `config field "${key}" (from ${source}): expected true or false, got "${value}"`);
  }
  return value;
}

function fromZod(error: z.ZodError, sources: Map<string, string>): ConfigError {
  const issue = error.issues[0];
  if (issue === undefined) return new ConfigError('config', 'invalid config');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const where = path.length > 0 ? ` in "${path.join('.')}"` : '';
    const keys = issue.keys.map((k) => `"${[...path, k].join('.')}"`).join(', ');
    return new ConfigError([...path, issue.keys[0] ?? ''].join('.'), `unknown config key ${keys}${where}`, {
      fix: 'remove it or correct its spelling (the README\'s "Configuration" section lists every key)',
    });
  }
  const field = path.join('.') || 'config';
  const source = sources.get(path[0] ?? '');
  const from = source !== undefined ? ` (from ${source})` : '';
  // A bad record key (an agent id): say what a key must be, not only that it is invalid.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return new ConfigError(field, `config field "${field}"${from}: ${message}`);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
