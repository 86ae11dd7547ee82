/** A loopback-only http server for download tests: serves given bodies and misbehaves on request. */
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';

export interface Route {
  status?: number;
  body?: Buffer;
  headers?: Record<string, string>;
  /** Send this many bytes of the body, then cut the connection (Content-Length says the full size). */
  cutAfter?: number;
  /** Send this many bytes, then stall forever (until the client goes away). */
  stallAfter?: number;
  redirect?: string;
}

/** Starts the server on 127.0.0.1; with `tls` (key and certificate in PEM) it speaks https. */
export async function startServer(
  routes: Record<string, Route>,
  tls?: { key: Buffer; cert: Buffer },
): Promise<{ url: string; close: () => Promise<void>; hits: string[] }> {
  const hits: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    hits.push(req.url ?? '');
    const route = routes[req.url ?? ''];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>Not Found</body></html>');
      return;
    }
    if (route.redirect) {
      res.writeHead(302, { location: route.redirect });
      res.end();
      return;
    }
    const body = route.body ?? Buffer.alloc(0);
    res.writeHead(route.status ?? 200, { 'content-length': String(body.length), ...route.headers });
    if (route.cutAfter !== undefined) {
      res.write(body.subarray(0, route.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
    } else if (route.stallAfter !== undefined) {
      res.write(body.subarray(0, route.stallAfter));
    } else {
      res.end(body);
    }
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
