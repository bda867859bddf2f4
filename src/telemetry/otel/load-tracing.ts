import type { Logger } from '../logger.js';
import { otelSettings, type Env } from './settings.js';
import type { Tracing } from './tracing.js';

/**
 * OpenTelemetry when the environment configures it (`OTEL_EXPORTER_OTLP_ENDPOINT`), else undefined. The SDK is
 * imported only then, so a proxy without it loads none of it and its request path makes no spans.
 */
export async function loadTracing(env: Env, logger: Logger): Promise<Tracing | undefined> {
  const settings = otelSettings(env);
  if (settings === undefined) return undefined;
  const { startOtel } = await import('./start-otel.js');
  return startOtel(settings, logger);
}
