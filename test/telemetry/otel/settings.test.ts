import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/telemetry/logger.js';
import { loadTracing } from '../../../src/telemetry/otel/load-tracing.js';
import { otelSettings } from '../../../src/telemetry/otel/settings.js';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

describe('OpenTelemetry settings from the standard environment', () => {
  it('off without an endpoint, with a blank one, or with OTEL_SDK_DISABLED=true', async () => {
    expect(otelSettings({})).toBeUndefined();
    expect(otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(otelSettings({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' })).toBeUndefined();
    // Off means nothing started: no SDK loaded, no tracer handed to the proxy.
    expect(await loadTracing({ OTEL_SERVICE_NAME: 'x' }, createLogger({ level: 'silent' }))).toBeUndefined();
  });

  it('on with an endpoint: the spec defaults (http/protobuf, 60 s metric interval, 30 s timeout)', () => {
    expect(otelSettings(ENDPOINT)).toEqual({
      traces: { protocol: 'http/protobuf' },
      metrics: { protocol: 'http/protobuf', exportIntervalMs: 60_000, exportTimeoutMs: 30_000 },
      warnings: [],
    });
  });

  it('the per-signal protocol wins over the general one', () => {
    const s = otelSettings({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf' });
    expect(s?.traces?.protocol).toBe('http/json');
    expect(s?.metrics?.protocol).toBe('http/protobuf');
  });

  it('OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER=none turn one signal off', () => {
    expect(otelSettings({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' })?.traces).toBeUndefined();
    expect(otelSettings({ ...ENDPOINT, OTEL_METRICS_EXPORTER: 'none' })?.metrics).toBeUndefined();
  });

  it('metric interval and timeout from the environment; the timeout never exceeds the interval', () => {
    expect(otelSettings({ ...ENDPOINT, OTEL_METRIC_EXPORT_INTERVAL: '200' })?.metrics).toMatchObject({ exportIntervalMs: 200, exportTimeoutMs: 200 });
    expect(otelSettings({ ...ENDPOINT, OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '1000' })?.metrics).toMatchObject({ exportIntervalMs: 5000, exportTimeoutMs: 1000 });
  });

  it('unsupported or invalid values are ignored with a warning naming them, as the spec asks', () => {
    const s = otelSettings({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRIC_EXPORT_INTERVAL: 'soon', OTEL_TRACES_EXPORTER: 'zipkin' });
    expect(s?.traces?.protocol).toBe('http/protobuf');
    expect(s?.metrics?.exportIntervalMs).toBe(60_000);
    expect(s?.warnings).toEqual([
      'OTEL_TRACES_EXPORTER=zipkin is not supported (otlp and none are); exporting otlp',
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported (http/protobuf and http/json are); exporting http/protobuf',
      'OTEL_METRIC_EXPORT_INTERVAL=soon is not a positive whole number of milliseconds; using 60000',
    ]);
  });
});
