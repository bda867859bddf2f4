/**
 * GET /v1/realtime: a WebSocket that echoes every message, to test the proxy's upgrade pass-through.
 * `ws` is loaded on the first upgrade: it is a dev dependency, and the mock must load without it.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';

/** The path that accepts upgrades. */
export const REALTIME_PATH = '/v1/realtime';

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/** Attach the echo endpoint; `onUpgrade` sees every upgrade request (for recording). Returns a closer. */
export function attachRealtimeEcho(server: Server, onUpgrade: (req: IncomingMessage) => void): () => void {
  let wss: WebSocketServer | undefined;
  let loading: Promise<WebSocketServer | undefined> | undefined;
  let closed = false;

  const load = (): Promise<WebSocketServer | undefined> => {
    loading ??= import('ws').then(
      (mod) => {
        const created = new mod.WebSocketServer({ noServer: true });
        created.on('connection', (ws) => {
          ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        });
        wss = created;
        return created;
      },
      () => undefined,
    );
    return loading;
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    onUpgrade(req);
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== REALTIME_PATH) return refuse(socket, '404 Not Found');
    void load().then((ready) => {
      if (ready === undefined || closed) return refuse(socket, '501 Not Implemented');
      ready.handleUpgrade(req, socket, head, (ws) => ready.emit('connection', ws, req));
    });
  });

  return () => {
    closed = true;
    if (wss !== undefined) {
      for (const client of wss.clients) client.terminate();
      wss.close();
    }
  };
}
