import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DaemonListenError } from './daemon-listen-error.js';

/** Listens on host:port and answers the URL it listens on (a port of 0 takes a free one). */
export async function listenHttpServer(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new DaemonListenError(host, port, error.code ?? error.message, { cause: error })));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
}
