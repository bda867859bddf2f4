import { TokenNinjaError } from '../errors/errors.js';

/** What to do about most invalid settings; specific errors (a bad flag, an unreadable file) say more. */
const CORRECT_IT = 'correct it (the README\'s "Configuration" section lists every key with its type and default)';

/** Invalid configuration: the CLI prints the message and its fix on one line and exits with code 2. */
export class ConfigError extends TokenNinjaError {
  /** What the operator does about it, printed after the message. */
  readonly fix: string;

  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown; fix?: string },
  ) {
    super('invalid_config', 2, message, options);
    this.fix = options?.fix ?? CORRECT_IT;
  }
}
