import type { Config } from '../config/schema.js';
import { createLogger } from '../telemetry/logger.js';
import { loadTracing } from '../telemetry/otel/load-tracing.js';
import { startProxyApp } from './proxy-app.js';

/** `token-ninja` (no subcommand): run the proxy until SIGTERM/SIGINT, then drain and exit 0. */
export async function runProxy(config: Config): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  // The standard OTEL_* variables turn OpenTelemetry on (README "Tracing and OpenTelemetry").
  const tracing = await loadTracing(process.env, logger);
  try {
    const app = await startProxyApp(config, { logger, tracing });
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        app.logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'shutting down: draining in-flight requests');
        resolve();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    });
    await app.stop();
    return 0;
  } finally {
    // After the drain, so the last requests' spans and metrics are exported too.
    await tracing?.shutdown();
  }
}
