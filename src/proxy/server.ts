import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * An HTTP server that counts in-flight requests so shutdown can drain them: stop accepting, let requests
 * and streams finish up to a deadline, then cut what remains. Upgraded (WebSocket) sockets count as in
 * flight too: the HTTP server no longer tracks them, and an open one would otherwise keep `close` from ever finishing.
 */
export class DrainingServer {
  readonly server: Server;
  private inFlight = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private readonly upgraded = new Set<Duplex>();

  constructor(listener: RequestListener) {
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, (req: IncomingMessage, res: ServerResponse) => {
      this.inFlight++;
      if (this.draining) res.setHeader('connection', 'close');
      res.once('close', () => {
        this.inFlight--;
        this.notifyIfIdle();
      });
      listener(req, res);
    });
    // Registered before the owner's upgrade handler; it only watches the socket.
    this.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      this.upgraded.add(socket);
      socket.once('close', () => {
        this.upgraded.delete(socket);
        this.notifyIfIdle();
      });
    });
  }

  private get idle(): boolean {
    return this.inFlight === 0 && this.upgraded.size === 0;
  }

  private notifyIfIdle(): void {
    if (this.idle) for (const w of this.idleWaiters.splice(0)) w();
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting, waits up to `timeoutMs` for in-flight requests, then closes every connection. Resolves true if all drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let drained = this.idle;
    if (!drained) {
      let timer: NodeJS.Timeout | undefined;
      drained = await Promise.race([
        new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.server.closeAllConnections();
    for (const socket of this.upgraded) socket.destroy();
    await closed;
    return drained;
  }
}
