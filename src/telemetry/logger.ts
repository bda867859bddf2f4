import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The logger every module receives (pino's, so child loggers and levels work as usual). */
export type Logger = PinoLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level: LogLevel;
  /** Where NDJSON lines go (default stdout). */
  destination?: DestinationStream;
}

/** What replaces a secret in a log line. */
export const REDACTED = '[redacted]';

/** Header names (lower case, as node:http gives them) whose values are credentials. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'cookie', 'set-cookie'];
/** Object keys that hold credentials wherever they appear (config, options bags). */
const SECRET_KEYS = ['apiKey', 'openaiApiKey', 'anthropicApiKey', 'adminToken', 'password'];

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`;
}

/**
 * Redaction paths: credential headers in a `headers` object at the top level or up to three objects
 * deep (`req.headers`, `upstream.req.headers`, `err.request.headers`…), and the same names as plain keys
 * at the top level or one level down. Logging `rawHeaders` (a flat array) is not covered: don't.
 */
export const REDACT_PATHS: readonly string[] = (() => {
  const paths: string[] = [];
  for (const h of SECRET_HEADERS) {
    const k = key(h);
    paths.push(`headers${k}`, `*.headers${k}`, `*.*.headers${k}`, `*.*.*.headers${k}`);
    paths.push(k.startsWith('.') ? k.slice(1) : k, `*${k}`);
  }
  for (const name of SECRET_KEYS) paths.push(name, `*.${name}`, `*.*.${name}`);
  return paths;
})();

/** A pino logger writing NDJSON, with credentials redacted wherever the proxy logs headers. */
export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    base: { name: 'token-ninja' },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
