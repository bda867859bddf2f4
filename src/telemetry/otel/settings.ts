/** The OTLP/HTTP encodings the proxy can export in. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * What the proxy itself reads of the standard OpenTelemetry environment; the SDK and its exporters read the
 * rest (endpoint per signal, headers, timeout, compression, certificates, sampler, service name, batch
 * sizes, temporality) as the OpenTelemetry docs describe.
 */
export interface OtelSettings {
  /** Undefined when `OTEL_TRACES_EXPORTER=none`. */
  traces: { protocol: OtlpProtocol } | undefined;
  /** Undefined when `OTEL_METRICS_EXPORTER=none`. */
  metrics: { protocol: OtlpProtocol; exportIntervalMs: number; exportTimeoutMs: number } | undefined;
  /** Values ignored as the OpenTelemetry spec says invalid ones are, each a line for the log. */
  warnings: string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The spec's defaults for the periodic metric reader. */
const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;

/**
 * OpenTelemetry is on only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (and `OTEL_SDK_DISABLED` is not `true`):
 * undefined otherwise, and then nothing of the SDK is loaded. Pure.
 */
export function otelSettings(env: Env): OtelSettings | undefined {
  if (!value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') || value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const warnings: string[] = [];
  const protocol = (signal: 'TRACES' | 'METRICS'): OtlpProtocol => {
    const name = value(env, `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) !== undefined ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL` : 'OTEL_EXPORTER_OTLP_PROTOCOL';
    const given = value(env, name);
    if (given === undefined || given === 'http/protobuf' || given === 'http/json') return given ?? 'http/protobuf';
    warnings.push(`${name}=${given} is not supported (http/protobuf and http/json are); exporting http/protobuf`);
    return 'http/protobuf';
  };
  const exporter = (name: 'OTEL_TRACES_EXPORTER' | 'OTEL_METRICS_EXPORTER'): boolean => {
    const given = value(env, name);
    if (given === 'none') return false;
    if (given !== undefined && given !== 'otlp') warnings.push(`${name}=${given} is not supported (otlp and none are); exporting otlp`);
    return true;
  };
  const millis = (name: string, fallback: number): number => {
    const given = value(env, name);
    if (given === undefined) return fallback;
    const ms = Number(given);
    if (Number.isInteger(ms) && ms > 0) return ms;
    warnings.push(`${name}=${given} is not a positive whole number of milliseconds; using ${fallback}`);
    return fallback;
  };
  const traces = exporter('OTEL_TRACES_EXPORTER') ? { protocol: protocol('TRACES') } : undefined;
  let metrics: OtelSettings['metrics'];
  if (exporter('OTEL_METRICS_EXPORTER')) {
    const exportIntervalMs = millis('OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_METRIC_EXPORT_INTERVAL_MS);
    // The SDK refuses a timeout longer than the interval.
    const exportTimeoutMs = Math.min(millis('OTEL_METRIC_EXPORT_TIMEOUT', DEFAULT_METRIC_EXPORT_TIMEOUT_MS), exportIntervalMs);
    metrics = { protocol: protocol('METRICS'), exportIntervalMs, exportTimeoutMs };
  }
  // A general variable both signals fell back to is named once.
  return { traces, metrics, warnings: [...new Set(warnings)] };
}

/** An env var's value, with an empty or blank one read as unset (as the SDK does). */
function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}
