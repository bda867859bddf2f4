/** Every failure Token Ninja reports has a stable code and an HTTP status (STYLE rule 4). */
export class TokenNinjaError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
