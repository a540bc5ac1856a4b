import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import { createAdminTokenMatcher, readBearerToken } from './create-admin-token-matcher.js';
import type { Metrics } from './create-metrics.js';
import type { RunQueueState, TriggerResult } from './create-run-queue.js';

export interface DaemonRoutesOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  readonly state: () => RunQueueState;
  /** Asks for a sync now (as SIGUSR1 does); `source` names the asker in the log line. */
  readonly trigger: (source: string) => TriggerResult;
}

/**
 * The daemon's own routes: /healthz, /readyz, /metrics and POST /sync. Answers false for any other
 * path. POST /sync is opened only by daemon.adminToken as a Bearer token (never `?token=`, which ends
 * up in access logs); without a configured token it refuses everyone, since a sync costs onOffice API
 * requests and anyone who can reach the port could ask for them.
 */
export function createDaemonRoutes(options: DaemonRoutesOptions): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const { config, metrics, now, state } = options;
  const logger = options.logger.child({ module: 'daemon' });
  const matches = createAdminTokenMatcher(config.daemon.adminToken);

  const json = (response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(`${JSON.stringify(body)}\n`);
  };

  const sync = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method !== 'POST') {
      json(response, 405, { queued: false, error: 'POST /sync asks for a sync; nothing else is answered here' }, { allow: 'POST' });
      return;
    }
    if (matches === null) {
      logger.info({ client: request.socket.remoteAddress }, 'POST /sync refused: no daemon.adminToken is configured');
      json(response, 403, { queued: false, error: 'POST /sync needs daemon.adminToken (ONOFFICE_SYNC_ADMIN_TOKEN) to be set; on this machine SIGUSR1 asks for a sync without it' });
      return;
    }
    if (!matches(readBearerToken(request))) {
      logger.info({ client: request.socket.remoteAddress }, 'POST /sync refused: no valid admin token');
      json(response, 401, { queued: false, error: 'POST /sync needs the admin token as Authorization: Bearer …' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    const result = options.trigger('POST /sync');
    if (result.queued) {
      json(response, 202, { queued: true, running: result.running });
    } else if (result.reason === 'stopping') {
      json(response, 503, { queued: false, running: result.running, error: 'the daemon is shutting down' });
    } else {
      const retryAfterSeconds = Math.max(1, Math.ceil((result.retryAt.getTime() - now().getTime()) / 1000));
      json(
        response,
        503,
        { queued: false, running: false, retryAt: result.retryAt.toISOString(), error: `backing off after ${state().consecutiveFailures} failed run(s): the next run may start in ${retryAfterSeconds} s` },
        { 'retry-after': String(retryAfterSeconds) },
      );
    }
  };

  return async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return true;
    }
    if (path === '/readyz') {
      const { lastSuccess, lastResultOk, consecutiveFailures } = state();
      const ageSeconds = lastSuccess ? (now().getTime() - lastSuccess.getTime()) / 1000 : null;
      const ready = lastResultOk === true && ageSeconds !== null && ageSeconds <= config.daemon.readyMaxAgeSeconds;
      json(response, ready ? 200 : 503, { ready, lastRunOk: lastResultOk, lastSuccess: lastSuccess?.toISOString() ?? null, consecutiveFailures });
      return true;
    }
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return true;
    }
    if (path === '/sync') {
      sync(request, response);
      return true;
    }
    return false;
  };
}
