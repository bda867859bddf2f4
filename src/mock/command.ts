/** `token-ninja mock`: run the mock provider from the command line until SIGINT/SIGTERM (or the given signal aborts). */
import { parseArgs } from 'node:util';
import { validateBehaviour, type MockBehaviour } from './behaviour.js';
import { startMockProvider } from './server.js';

/** Where the command writes; defaults to the process's streams. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Stops the mock when aborted; by default SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

const USAGE = `Usage: token-ninja mock [options]
  --port N          port to listen on (default 0: a free port, printed)
  --host HOST       address to bind (default 127.0.0.1)
  --latency-ms N    delay before response headers
  --chunks N        content chunks per stream
  --chunk-ms N      spacing between stream events
  --output-tokens N generated tokens per reply
  --gzip            gzip replies for clients that accept it
Per-request behaviour: header x-mock-behaviour, e.g. "fault=429" or '{"chunks":3,"chunkMs":50}'.`;

const defaultIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function signalFromProcess(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  controller.signal.addEventListener('abort', () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
  return controller.signal;
}

/** Run the mock provider; resolves to the process exit code (0 after a clean stop, 2 for bad flags). */
export async function runMockProviderCommand(argv: readonly string[], io: CommandIo = defaultIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'latency-ms': { type: 'string' },
        chunks: { type: 'string' },
        'chunk-ms': { type: 'string' },
        'output-tokens': { type: 'string' },
        gzip: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    io.err(`token-ninja mock: ${error instanceof Error ? error.message : String(error)}`);
    io.err(USAGE);
    return 2;
  }
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }

  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err('token-ninja mock: --port: expected an integer 0-65535');
    return 2;
  }
  const flags: Record<string, unknown> = {};
  const map: Record<string, keyof MockBehaviour> = {
    'latency-ms': 'latencyMs',
    chunks: 'chunks',
    'chunk-ms': 'chunkMs',
    'output-tokens': 'outputTokens',
  };
  for (const [flag, key] of Object.entries(map)) if (values[flag] !== undefined) flags[key] = values[flag];
  if (values.gzip === true) flags.gzip = true;
  const behaviour = validateBehaviour(flags);
  if (typeof behaviour === 'string') {
    const key = behaviour.split(':')[0] ?? '';
    const flag = Object.entries(map).find(([, k]) => k === key)?.[0] ?? key;
    io.err(`token-ninja mock: --${flag}: ${behaviour.slice(key.length + 2)}`);
    return 2;
  }

  let mock;
  try {
    mock = await startMockProvider({ port, host: typeof values.host === 'string' ? values.host : '127.0.0.1', behaviour });
  } catch (error) {
    io.err(`token-ninja mock: cannot listen: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  io.out(`mock provider listening on ${mock.url} (OpenAI base URL ${mock.url}/v1, Anthropic base URL ${mock.url})`);
  const signal = io.signal ?? signalFromProcess();
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await mock.close();
  io.out('mock provider stopped');
  return 0;
}
