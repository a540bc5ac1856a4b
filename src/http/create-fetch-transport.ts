import type { HttpHeaderReader, HttpTransport } from './send-http-request.js';
import { readLimitedBody } from './read-limited-body.js';

/** A fetch (a test's scripted one, a counting wrapper) as a transport. */
export function createFetchTransport(fetchImpl: typeof fetch): HttpTransport {
  return async (url, request) => {
    const response = await fetchImpl(url, { method: request.method, headers: request.headers, body: request.body, signal: request.signal, redirect: request.redirect ?? 'follow' });
    const headers: HttpHeaderReader = { get: (name) => response.headers.get(name), entries: () => [...response.headers] };
    return { status: response.status, statusText: response.statusText, url: response.url || url, headers, body: await readLimitedBody(response, request.maxBodyBytes ?? Infinity) };
  };
}
