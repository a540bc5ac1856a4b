import type { ErrorKind } from '../domain/classify-error.js';
/** The daemon's HTTP server (health, metrics, feeds) cannot listen on the configured address. */
export class DaemonListenError extends Error {
  override readonly name = 'DaemonListenError';
  readonly kind: ErrorKind = 'transient';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    const why = code === 'EADDRINUSE' ? 'the port is in use by another process' : code === 'EACCES' ? 'no permission to bind it' : code === 'EADDRNOTAVAIL' ? 'the address is not one of this host' : code;
    super(`daemon: cannot listen on ${host}:${port} (${why}): stop the other process or set daemon.host/daemon.port (ONOFFICE_SYNC_PORT)`, options);
  }
}
