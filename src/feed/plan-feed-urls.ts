import type { DaemonConfig } from '../config/config-schema.js';

export interface FeedUrls {
  /** /feeds/<name>.ics?token=… */
  readonly http: string;
  /** The same URL with the webcal: scheme, which makes Apple and Outlook offer to subscribe. */
  readonly webcal: string;
  /** /feeds/<name>/<token>.ics, for clients that drop query strings. */
  readonly pathForm: string;
}

/** Placeholder shown where the token goes when the token itself is not known (it is stored only as a hash). */
export const TOKEN_PLACEHOLDER = '<token>';

/** daemon.publicUrl when set (a reverse proxy's https address, maybe with a path), else the listen address. */
export function planFeedBaseUrl(daemon: Pick<DaemonConfig, 'publicUrl' | 'host' | 'port'>): string {
  if (daemon.publicUrl) return daemon.publicUrl.replace(/\/+$/, '');
  const host = daemon.host.includes(':') ? `[${daemon.host}]` : daemon.host;
  return `http://${host}:${daemon.port}`;
}

export function planFeedUrls(baseUrl: string, feedName: string, token: string = TOKEN_PLACEHOLDER): FeedUrls {
  const name = encodeURIComponent(feedName);
  const queryToken = token === TOKEN_PLACEHOLDER ? token : encodeURIComponent(token);
  const http = `${baseUrl}/feeds/${name}.ics?token=${queryToken}`;
  return {
    http,
    webcal: http.replace(/^https?:\/\//i, 'webcal://'),
    pathForm: `${baseUrl}/feeds/${name}/${queryToken}.ics`,
  };
}
