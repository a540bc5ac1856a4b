import type { DAVResponse } from 'tsdav';
import { CaldavProtocolError } from './caldav-errors.js';

/** A DAV:prop as tsdav parsed it (camel-cased element names). */
export type DavProps = Record<string, unknown>;

/**
 * tsdav parses XML with xml-js in compact mode and converts numeric-looking text to numbers (integers
 * only when they round-trip, so String() gives the original back); text may also arrive as _text/_cdata.
 */
export function readText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return readText(value[0]);
  if (typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (typeof node._cdata === 'string') return node._cdata;
    if (node._text !== undefined) return readText(node._text);
  }
  return null;
}

export function readHref(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return readText(value);
  return readText((value as Record<string, unknown>).href);
}

export function hasResourceType(props: DavProps, type: string): boolean {
  const resourceType = props.resourcetype;
  return resourceType !== null && typeof resourceType === 'object' && type in resourceType;
}

/**
 * davRequest returns one pseudo-response holding the raw text when the body was not a multistatus; a
 * 2xx like that means the server (or a proxy in front of it) is not speaking WebDAV.
 */
export function readMultistatus(responses: DAVResponse[], method: string, url: string): { responses: DAVResponse[]; multistatus: DavProps } {
  const raw: unknown = responses[0]?.raw;
  const multistatus = raw !== null && typeof raw === 'object' ? (raw as DavProps).multistatus : undefined;
  if (multistatus === null || typeof multistatus !== 'object') {
    throw new CaldavProtocolError({ method, url, detail: 'expected a 207 multistatus XML body' });
  }
  return { responses: responses.filter((response) => typeof response.href === 'string' || typeof response.href === 'number'), multistatus: multistatus as DavProps };
}
