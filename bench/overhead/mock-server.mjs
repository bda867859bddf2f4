// The mock provider in its own process for the overhead benchmark: fast replies (no latency), 16 output
// tokens, 5 SSE chunks. Reports its URL over IPC.
const { startMockProvider } = await import(new URL('../../dist/mock/index.js', import.meta.url).href);

const mock = await startMockProvider({ behaviour: { latencyMs: 0, chunks: 5, chunkMs: 0, outputTokens: 16, seed: 'bench' }, maxRecorded: 0 });
process.send?.({ url: mock.url });
process.on('SIGTERM', () => {
  mock.close().finally(() => process.exit(0));
});
