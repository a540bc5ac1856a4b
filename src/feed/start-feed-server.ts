import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFeedHandler, type FeedHandlerOptions } from './create-feed-handler.js';

export interface FeedServer {
  /** http://host:port of the listening socket (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

type ExtraHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * A node:http server that answers feeds and the extra handlers (`serve` adds the status page), everything
 * else 404; the daemon mounts the feed handler itself.
 */
export async function startFeedServer(options: FeedHandlerOptions & { host: string; port: number; handlers?: readonly ExtraHandler[] }): Promise<FeedServer> {
  const handler = createFeedHandler(options);
  const handleAll = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (await handler(req, res)) return true;
    for (const extra of options.handlers ?? []) if (await extra(req, res)) return true;
    return false;
  };
  const server = createServer((req, res) => {
    handleAll(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'feed request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        handler.flushStats();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
