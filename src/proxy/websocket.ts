import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Logger } from 'pino';
import { adapterFor } from '../providers/registry.js';
import { ProxyError } from './errors.js';
import { isTokenNinjaHeader } from './headers.js';
import type { IdentityResolver } from './identity.js';
import type { ProviderCredentials } from './provider-credentials.js';
import { resolvePath } from './routes.js';

/**
 * WebSocket upgrades (e.g. `GET /v1/realtime`) pass through opaquely to the OpenAI upstream with the same
 * agent identification and key rules as HTTP requests. Realtime sessions are not metered (README says so).
 */
export class WebSocketPassThrough {
  private readonly proxy: httpProxy;

  constructor(
    private readonly target: string,
    private readonly identity: IdentityResolver,
    private readonly logger: Logger,
    private readonly credentials: ProviderCredentials,
  ) {
    this.proxy = httpProxy.createProxyServer({ target, ws: true, changeOrigin: true, xfwd: false });
    this.proxy.on('error', (err, _req, socket) => {
      this.logger.warn({ err: { message: err.message } }, 'websocket upstream error');
      if (socket && 'destroy' in socket) (socket as Duplex).destroy();
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // node:http drops its own error listener from upgraded sockets: a client reset would otherwise be an uncaught exception.
    socket.on('error', () => socket.destroy());
    try {
      const path = resolvePath('GET', req.url ?? '/');
      if (!path.pathname.startsWith('/v1/')) throw new ProxyError('not_found', 'websocket upgrades are served under /v1/ only');
      const keyAgent = this.identity.keyAgent(req.headers);
      this.credentials.authorize('openai', keyAgent !== undefined);
      const identity = this.identity.resolve(req.headers, path.agentFromPath, keyAgent);
      for (const name of Object.keys(req.headers)) if (isTokenNinjaHeader(name)) delete req.headers[name];
      this.credentials.apply('openai', req.headers, keyAgent !== undefined);
      req.url = path.upstreamPath;
      this.logger.info({ agent: identity.agent, route: path.pathname, kind: 'websocket' }, 'websocket upgrade');
      this.proxy.ws(req, socket, head);
    } catch (err) {
      const perr = err instanceof ProxyError ? err : new ProxyError('invalid_path', 'bad upgrade request');
      const body = adapterFor('openai').errorBody({ status: perr.status, code: perr.code, message: perr.message });
      socket.end(`HTTP/1.1 ${perr.status} ${perr.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    }
  }

  close(): void {
    this.proxy.close();
  }
}
