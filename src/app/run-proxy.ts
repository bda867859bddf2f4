import { AdminError } from '../admin/errors.js';
import type { Config } from '../config/schema.js';
import type { ConfigReloaderDeps } from './config-reload.js';
import { createLogger } from '../telemetry/logger.js';
import { loadTracing } from '../telemetry/otel/load-tracing.js';
import { startProxyApp, type ProxyApp } from './proxy-app.js';

/**
 * `token-ninja` (no subcommand): run the proxy until SIGTERM/SIGINT, then drain and exit 0. SIGHUP reloads
 * the config file (`reload`: how to re-read it; absent when started without `--config`, and a SIGHUP says so).
 */
export async function runProxy(config: Config, reload?: ConfigReloaderDeps['load']): Promise<number> {
  let app: ProxyApp | undefined;
  // Listening from the start to the exit: by default a SIGHUP would end the process. One that comes while
  // the proxy starts is served once it runs (the file may have changed after it was read); one that comes
  // while it drains is ignored.
  let pending = false;
  let stopping = false;
  const onHangup = (): void => {
    if (stopping) return;
    if (app === undefined) {
      pending = true;
      return;
    }
    const running = app;
    running.reloadConfig('signal:SIGHUP').catch((err: unknown) => {
      // The reloader has logged the failures it names (an invalid file, no file); anything else is a bug.
      if (!(err instanceof AdminError)) running.logger.error({ err }, 'config reload failed; the running config is kept');
    });
  };
  process.on('SIGHUP', onHangup);
  const logger = createLogger({ level: config.logLevel });
  // The standard OTEL_* variables turn OpenTelemetry on (README "Tracing and OpenTelemetry").
  const tracing = await loadTracing(process.env, logger);
  try {
    const started = await startProxyApp(config, { reload, logger, tracing });
    app = started;
    if (pending) onHangup();
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        started.logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'shutting down: draining in-flight requests');
        resolve();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    });
    stopping = true;
    await started.stop();
    return 0;
  } finally {
    process.off('SIGHUP', onHangup);
    // After the drain, so the last requests' spans and metrics are exported too.
    await tracing?.shutdown();
  }
}
