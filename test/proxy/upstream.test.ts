import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { Upstreams } from '../../src/proxy/upstream.js';
import { configFor } from '../e2e/harness.js';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(String((server.address() as AddressInfo).port))));
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function upstreamsFor(url: string, upstreams: ConfigInput['upstreams'], tls?: { ca: Buffer }): Upstreams {
  return new Upstreams(configFor(url, { upstreams }), tls);
}

describe('upstream connections', () => {
  it('opens at most `connections` HTTP/1.1 connections to an upstream; further requests wait in the pool', async () => {
    const held: ServerResponse[] = [];
    const sockets = new Set<string>();
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      sockets.add(String(req.socket.remotePort));
      held.push(res);
    });
    const port = await listen(server);
    const upstreams = upstreamsFor(`http://127.0.0.1:${port}`, { openai: { connections: 2 } });
    const { pool } = upstreams.get('openai');
    try {
      const replies = Array.from({ length: 6 }, () => pool.request({ path: '/v1/models', method: 'GET' }).then((r) => r.body.text()));
      await until('two requests reach the upstream and four wait for a connection', () => held.length === 2 && pool.stats.pending === 4);
      // Answer each as it arrives until all six are done.
      let answered = 0;
      while (answered < 6) {
        await until('a request is held', () => held.length > answered);
        held[answered++]!.end('{}');
      }
      expect(await Promise.all(replies)).toEqual(Array(6).fill('{}'));
      expect(sockets.size).toBe(2);
    } finally {
      await upstreams.close();
      server.close();
    }
  });
});

describe('HTTP/2 to the upstream', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tn-h2-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function versionsSeen(allowH2: boolean): Promise<string[]> {
    const versions: string[] = [];
    const server = createSecureServer({ cert, key, allowHTTP1: true }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
      versions.push(req.httpVersion);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    const port = await listen(server);
    const upstreams = upstreamsFor(`https://127.0.0.1:${port}`, { openai: { allowH2 } }, { ca: cert });
    try {
      const { pool } = upstreams.get('openai');
      const bodies = await Promise.all([1, 2, 3].map(() => pool.request({ path: '/v1/models', method: 'GET' }).then((r) => r.body.json())));
      expect(bodies).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    } finally {
      await upstreams.close();
      server.close();
    }
    return versions;
  }

  it('speaks HTTP/2 to a real node:http2 server when allowH2 is set, HTTP/1.1 otherwise', async () => {
    expect(await versionsSeen(true)).toEqual(['2.0', '2.0', '2.0']);
    expect(await versionsSeen(false)).toEqual(['1.1', '1.1', '1.1']);
  });
});
