// The Node floor for an HTTP pass-through: a node:http server and an undici Pool to one upstream,
// streaming the request body up and the response body down, nothing else (no parsing, no metering).
// Run as a child process: `node bench/bare-proxy.mjs http://127.0.0.1:PORT`; it reports its URL over IPC
// (or prints it when run by hand).
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write('usage: node bench/bare-proxy.mjs UPSTREAM_URL\n');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
// Hop-by-hop headers are not forwarded (RFC 9110 §7.6.1).
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

const server = createServer((req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
  const ac = new globalThis.AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  pool.stream(
    { method: req.method, path: req.url, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req, signal: ac.signal },
    ({ statusCode, headers: upHeaders }) => {
      const out = {};
      for (const [k, v] of Object.entries(upHeaders)) if (!HOP.has(k)) out[k] = v;
      res.writeHead(statusCode, out);
      return res;
    },
    (err) => {
      if (!err) return;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway');
      } else res.destroy(err);
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  if (process.send) process.send({ url });
  else process.stdout.write(`${url}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  pool.destroy().finally(() => process.exit(0));
});
