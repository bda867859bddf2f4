import { diag, DiagLogLevel, type Tracer } from '@opentelemetry/api';
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logger.js';
import { packageVersion } from '../package-version.js';
import { metricExporter, spanExporter } from './exporters.js';
import * as A from './gen-ai-attributes.js';
import { OtelRequestTracer, type GenAiInstruments } from './otel-request-tracer.js';
import { OtelTickTracer } from './otel-tick-tracer.js';
import type { OtelSettings } from './settings.js';
import type { Tracing } from './tracing.js';

/** How long shutdown waits for the last exports before giving up on them. */
const SHUTDOWN_TIMEOUT_MS = 5000;
const SCOPE = 'token-ninja';

/**
 * Starts the OpenTelemetry SDK's light pieces: a tracer provider with a batch span processor and a meter
 * provider with a periodic reader, each exporting OTLP/HTTP. No auto-instrumentation and no global
 * registration: only the proxy's own spans and metrics, and the request path stays free of hooks.
 */
export async function startOtel(settings: OtelSettings, logger: Logger): Promise<Tracing> {
  // Export failures and bad settings reach the proxy's log instead of vanishing.
  const warn = (message: string, ...args: unknown[]): void => logger.warn(args.length > 0 ? { otel: args.map(String) } : {}, `opentelemetry: ${message}`);
  diag.setLogger(
    {
      error: warn,
      warn,
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  for (const warning of settings.warnings) logger.warn(`opentelemetry: ${warning}`);
  const resource = serviceResource();

  let tracerProvider: BasicTracerProvider | undefined;
  if (settings.traces !== undefined) {
    // The processor reads OTEL_BSP_* and the provider the sampler (OTEL_TRACES_SAMPLER[_ARG]) from the environment.
    tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(await spanExporter(settings.traces.protocol))] });
  }
  let meterProvider: MeterProvider | undefined;
  let instruments: GenAiInstruments | undefined;
  if (settings.metrics !== undefined) {
    const { protocol, exportIntervalMs, exportTimeoutMs } = settings.metrics;
    const reader = new PeriodicExportingMetricReader({ exporter: await metricExporter(protocol), exportIntervalMillis: exportIntervalMs, exportTimeoutMillis: exportTimeoutMs });
    meterProvider = new MeterProvider({ resource, readers: [reader] });
    const meter = meterProvider.getMeter(SCOPE, packageVersion());
    instruments = {
      tokenUsage: meter.createHistogram(A.METRIC_TOKEN_USAGE, {
        description: 'Tokens used per request, by gen_ai.token.type (input, output)',
        unit: '{token}',
        advice: { explicitBucketBoundaries: A.TOKEN_USAGE_BUCKETS },
      }),
      operationDuration: meter.createHistogram(A.METRIC_OPERATION_DURATION, {
        description: 'Duration of each metered request, from its arrival to the end of its response',
        unit: 's',
        advice: { explicitBucketBoundaries: A.OPERATION_DURATION_BUCKETS },
      }),
    };
  }
  // With traces off (OTEL_TRACES_EXPORTER=none) spans are still made for the traceparent sent upstream, but
  // by a provider without processors: they are never recorded or exported.
  const tracer: Tracer = (tracerProvider ?? new BasicTracerProvider({ resource })).getTracer(SCOPE, packageVersion());
  logger.info({ traces: settings.traces?.protocol ?? 'off', metrics: settings.metrics?.protocol ?? 'off' }, 'OpenTelemetry export on');

  let stopping: Promise<void> | undefined;
  return {
    requests: (teamOf) => new OtelRequestTracer(tracer, instruments, teamOf),
    ticks: new OtelTickTracer(tracer),
    shutdown: () => {
      stopping ??= withTimeout(Promise.all([tracerProvider?.shutdown(), meterProvider?.shutdown()]).then(() => undefined), SHUTDOWN_TIMEOUT_MS).catch((err: unknown) => {
        logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'opentelemetry: the last export failed');
      });
      return stopping;
    },
  };
}

/** `service.name` token-ninja and its version, overridden by OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. */
function serviceResource(): Resource {
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': SCOPE, 'service.version': packageVersion() }))
    .merge(detectResources({ detectors: [envDetector] }));
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still exporting after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
