// Token Ninja in its own process for the overhead benchmark, from dist/: enforce mode with a pool so large
// nothing throttles, memory store, log level `warn` (no per-request log lines, so logging does not
// dominate). `node token-ninja-server.mjs UPSTREAM_URL`; reports its URL over IPC.
const dist = new URL('../../dist/', import.meta.url);
const { startProxyApp } = await import(new URL('app/proxy-app.js', dist).href);
const { loadConfig } = await import(new URL('config/load.js', dist).href);

const upstream = process.argv[2];
const config = loadConfig({
  argv: ['--config', 'bench.yaml'],
  env: {},
  readFile: () =>
    JSON.stringify({
      port: 0,
      adminPort: 0,
      openaiUrl: upstream,
      anthropicUrl: upstream,
      store: 'memory',
      adminToken: 'bench',
      mode: 'enforce',
      tokensPerMinute: 1e12,
      logLevel: process.env.BENCH_TN_LOG_LEVEL ?? 'warn',
    }),
});
// The OpenTelemetry-on variant: the standard OTEL_* env (OTEL_EXPORTER_OTLP_ENDPOINT at a collector) turns it on.
const { loadTracing } = await import(new URL('telemetry/otel/load-tracing.js', dist).href);
const { createLogger } = await import(new URL('telemetry/logger.js', dist).href);
const logger = createLogger({ level: config.logLevel });
const tracing = await loadTracing(process.env, logger);
const app = await startProxyApp(config, { logger, tracing });
process.send?.({ url: app.url });
process.on('SIGTERM', () => {
  app
    .stop(1000)
    .then(() => tracing?.shutdown())
    .finally(() => process.exit(0));
});
