#!/usr/bin/env node
import { configFilePath, loadConfig } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import type { LogLevel } from '../telemetry/logger.js';
import { packageVersion } from '../telemetry/package-version.js';
import { operatorFailure } from './operator-failure.js';

const USAGE = `token-ninja — token-budget proxy for fleets of LLM agents

Usage:
  token-ninja [--config FILE] [--port N] [--admin-port N] [--store SPEC] [--mode enforce|observe] ...
      start the proxy (every top-level config key is also a --kebab-case flag)
  token-ninja demo [--seconds N]      the whole product on a mock provider with a simulated fleet
  token-ninja simulate [--scenario FILE] [--seed N] [--out chart.svg]
                                      static vs dynamic allocation on a synthetic workload
  token-ninja mock [--port N]         the built-in mock LLM provider (OpenAI and Anthropic formats)
  token-ninja --version | --help
`;

/** Runs a subcommand; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  // Until the config is read, the environment's level (if valid) decides whether a startup failure's stack is logged.
  const envLevel = configSchema.shape.logLevel.safeParse(process.env.TOKEN_NINJA_LOG_LEVEL || undefined);
  let logLevel: LogLevel = envLevel.success ? envLevel.data : 'info';
  try {
    switch (first) {
      case 'simulate': {
        const { simulateCommand } = await import('../simulate/index.js');
        return await simulateCommand([...rest]);
      }
      case 'demo': { const { demoCommand } = await import('../demo/demo-command.js'); return await demoCommand(rest); }
      case 'mock': {
        const { runMockProviderCommand } = await import('../mock/index.js');
        return await runMockProviderCommand([...rest]);
      }
      default: {
        const loadOptions = { argv: first === 'start' ? rest : argv };
        const config = loadConfig(loadOptions);
        logLevel = config.logLevel;
        const path = configFilePath(loadOptions.argv);
        const { runProxy } = await import('../app/run-proxy.js');
        // A reload re-reads the file with the same flags and environment over it, as at start.
        return await runProxy(config, path === undefined ? undefined : { path, read: () => loadConfig(loadOptions) });
      }
    }
  } catch (err) {
    const failure = operatorFailure(err);
    if (failure === undefined) throw err;
    // The operator needs the cause and the fix; the stack is for whoever debugs, so only at debug level.
    const { createLogger } = await import('../telemetry/logger.js');
    createLogger({ level: logLevel }).debug({ err }, 'startup failed');
    process.stderr.write(`${failure.line}\n`);
    return failure.exitCode;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`token-ninja: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
