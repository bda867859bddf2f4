import type { ConfigReloadView } from '../admin/backend.js';
import { AdminError } from '../admin/errors.js';
import { ConfigError } from '../config/errors.js';
import { configChanges, withReloaded } from '../config/reloadable.js';
import type { Config } from '../config/schema.js';
import type { AuditEntry } from '../domain/audit.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { LiveConfig } from './live-config.js';

/** What a reload did: the admin answer, and the log line's fields. */
export type ConfigReloadResult = ConfigReloadView;

export interface ConfigReloaderDeps {
  live: LiveConfig;
  /** Re-reads the config file with the start's flags and environment over it; absent when started without `--config`. */
  load?: { path: string; read: () => Config };
  /** Runs a tick under the new config (the ledger re-rated at once). */
  reallocate: () => Promise<unknown>;
  /** Writes the reload to the audit trail (never rejects: see AuditTrail). */
  record: (entry: AuditEntry) => Promise<void>;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

/**
 * Config reload (DESIGN §10), from SIGHUP or `POST /v1/config/reload`: re-read the file, put the reloadable
 * keys in force, name the rest. A file that does not validate changes nothing. Reloads run one at a time.
 */
export class ConfigReloader {
  #last: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ConfigReloaderDeps) {}

  /** `client`: who asked (the admin client's address, or `signal:SIGHUP`). Rejects with an `AdminError`. */
  reload(client: string): Promise<ConfigReloadResult> {
    const run = this.#last.then(() => this.#reload(client));
    this.#last = run.catch(() => undefined);
    return run;
  }

  async #reload(client: string): Promise<ConfigReloadResult> {
    const { deps } = this;
    const { load, live, logger } = deps;
    if (load === undefined) {
      deps.metrics.recordConfigReload('error');
      logger.error({ client }, 'config reload refused: the proxy was started without --config, so there is no file to re-read');
      throw new AdminError('no_config_file', 'the proxy was started without --config: there is no config file to reload');
    }
    let next: Config;
    try {
      next = load.read();
    } catch (err) {
      deps.metrics.recordConfigReload('error');
      if (!(err instanceof ConfigError)) throw err;
      logger.error({ client, file: load.path, field: err.field, error: err.message }, 'config reload failed; the running config is kept');
      throw new AdminError('invalid_config', `${err.message}; the running config is kept`, { cause: err });
    }
    const running = live.current;
    const changes = configChanges(running, next);
    if (changes.applied.length > 0) live.replace(withReloaded(running, next), changes.applied);
    const result: ConfigReloadResult = { ...changes, configHash: live.hash };
    if (changes.applied.length > 0) await deps.reallocate();
    deps.metrics.recordConfigReload('ok');
    await deps.record({ at: deps.now(), action: 'config.reload', target: load.path, detail: { ...result }, client });
    const message = changes.notReloadable.length > 0 ? 'config reloaded; some changed keys need a restart and keep their running values' : 'config reloaded';
    logger.info({ client, file: load.path, ...result }, message);
    return result;
  }
}
