// A stand-in OTLP/HTTP collector for the OpenTelemetry-on overhead run: accepts every export with 200 and
// counts what it was sent (printed on SIGTERM/SIGINT), so the exporters do their real work without a collector.
// `node bench/otlp-sink.mjs [port]` (default 4318, loopback only).
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4318);
const seen = { requests: 0, bytes: 0, byPath: {} };
const server = createServer((req, res) => {
  req.on('data', (chunk) => (seen.bytes += chunk.length));
  req.on('end', () => {
    seen.requests += 1;
    seen.byPath[req.url] = (seen.byPath[req.url] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(port, '127.0.0.1', () => console.log(`otlp sink on http://127.0.0.1:${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(JSON.stringify(seen));
    server.close(() => process.exit(0));
  });
}
