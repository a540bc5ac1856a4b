import type { IncomingMessage, ServerResponse } from 'node:http';
import { readStatus } from './status-command.js';
import type { Config } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import type { StateStore } from '../store/open-state-store.js';
import { renderStatusPage } from './render-status-page.js';
import { isLoopbackAddress } from '../domain/is-loopback-address.js';
import { createAdminTokenMatcher, readBearerToken } from '../daemon/create-admin-token-matcher.js';

export interface StatusPageOptions {
  readonly store: StateStore;
  readonly config: Config;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/**
 * Answers GET / with the status page. With daemon.adminToken set, the request must carry it
 * (`Authorization: Bearer …` or `?token=…`, compared in constant time); without one, only a client on
 * this machine is answered, and never through a proxy (a forwarded request is not the proxy's own).
 */
export function createStatusPageHandler(options: StatusPageOptions): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const { store, config } = options;
  const logger = options.logger.child({ module: 'status-page' });
  const now = options.now ?? (() => new Date());
  const matches = createAdminTokenMatcher(config.daemon.adminToken);

  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/') return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return true;
    }
    const refusal = checkAccess(request, url, matches);
    if (refusal) {
      logger.info({ client: request.socket.remoteAddress, status: refusal.status }, 'status page refused');
      response.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${refusal.message}\n`);
      return true;
    }
    const body = renderStatusPage(readStatus(store, config, now()), { zone: config.timezone });
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // No script runs on this page, and it may not be framed by another site.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      })
      .end(request.method === 'HEAD' ? undefined : body);
    return true;
  };
}

function checkAccess(request: IncomingMessage, url: URL, matches: ReturnType<typeof createAdminTokenMatcher>): { status: number; message: string } | null {
  if (matches === null) {
    const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
    if (isLoopbackAddress(request.socket.remoteAddress) && !forwarded) return null;
    return { status: 403, message: 'the status page answers only on this machine; set daemon.adminToken (ONOFFICE_SYNC_ADMIN_TOKEN) to open it from elsewhere' };
  }
  if (matches(readBearerToken(request) ?? url.searchParams.get('token'))) return null;
  return { status: 401, message: 'the status page needs the admin token: ?token=… or Authorization: Bearer …' };
}
