import type { HttpHeaderReader } from './send-http-request.js';

/**
 * An answer read whole, with the part of fetch's Response that the project and tsdav read (ok, status,
 * statusText, url, headers.get, text). It stands in for a Response so that no request
 * loads undici (fetch's Response, Headers and web streams: about 40 ms of loading for a process, and a set
 * of objects per answer that outlive a scavenge).
 */
export class BufferedResponse {
  readonly ok: boolean;

  constructor(
    private readonly bodyText: string,
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    readonly headers: HttpHeaderReader,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  async text(): Promise<string> {
    return this.bodyText;
  }

  /** As a Response for the code typed against fetch; only the members above exist. */
  asResponse(): Response {
    return this as unknown as Response;
  }
}
