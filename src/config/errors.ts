import { TokenNinjaError } from '../errors/errors.js';

/** Invalid configuration: the CLI prints the message and exits with code 2. */
export class ConfigError extends TokenNinjaError {
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('invalid_config', 2, message, options);
  }
}
