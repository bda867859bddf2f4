import type { Config } from '../config/schema.js';
import { configHash } from '../config/reloadable.js';

/** Told when a reload put a new config in force, with the reloadable keys whose value changed. */
export type ConfigListener = (next: Config, changed: ReadonlySet<string>) => void;

/** Read access to the config in force, for components that read it per tick or per request. */
export interface ConfigSource {
  readonly current: Config;
}

/**
 * The config in force (DESIGN §10): everything reloadable is read through `current` (per tick or per
 * request), or applied by a listener when a reload replaces it. Listeners run synchronously, in order.
 */
export class LiveConfig implements ConfigSource {
  #current: Config;
  #hash: string;
  readonly #listeners: ConfigListener[] = [];

  constructor(initial: Config) {
    this.#current = initial;
    this.#hash = configHash(initial);
  }

  get current(): Config {
    return this.#current;
  }

  /** Hash of the reloadable settings in force (`configHash` in `GET /v1/allocations`). */
  get hash(): string {
    return this.#hash;
  }

  onChange(listener: ConfigListener): void {
    this.#listeners.push(listener);
  }

  /** Puts `next` in force and tells every listener which keys changed (as the reload worked them out). */
  replace(next: Config, changed: readonly string[]): void {
    this.#current = next;
    this.#hash = configHash(next);
    const keys = new Set(changed);
    for (const listener of this.#listeners) listener(next, keys);
  }
}
