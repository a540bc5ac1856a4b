import xmljs from 'xml-js';
import type { DavProps } from './read-multistatus.js';

/** One DAV:response of a multistatus, in the shape tsdav gives (props of the 2xx propstats merged). */
export interface DavEntry {
  href: string;
  status: number;
  ok: boolean;
  props: DavProps;
}

export interface DavMultistatus {
  responses: DavEntry[];
  /** The DAV:multistatus element itself (its sync-token, for one). */
  multistatus: DavProps;
}

/** `d:sync-token` → `syncToken`, as tsdav names elements (namespace prefix dropped, camel-cased). */
function elementKey(qualifiedName: string): string {
  return qualifiedName.replace(/^.+:/, '').replace(/[-_]+(\w?)/g, (_match, next: string) => (next ? next.toUpperCase() : ''));
}

/** xml-js's compact node as the props tsdav gives: an element holding only text becomes that text. */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>);
  const children = entries.filter(([key]) => key !== '_text' && key !== '_cdata');
  if (children.length > 0) return Object.fromEntries(children.map(([key, value]) => [key, simplify(value)]));
  const text = entries.map(([, value]) => (Array.isArray(value) ? value.join('') : String(value))).join('').trim();
  return text === '' ? {} : text;
}

/**
 * A WebDAV answer as a tree, read by xml-js (the parser tsdav uses, so both paths see the same shapes):
 * elements keyed by local name (camel-cased), repeated elements as arrays, an element holding only text
 * as its trimmed text, an empty one as `{}`. Attributes and text beside child elements are dropped: no
 * DAV property this project reads uses them. Null when the text is not well-formed XML.
 */
export function parseXmlTree(xml: string): Record<string, unknown> | null {
  let tree: unknown;
  try {
    tree = xmljs.xml2js(xml, {
      compact: true,
      ignoreAttributes: true,
      ignoreComment: true,
      ignoreDeclaration: true,
      ignoreInstruction: true,
      ignoreDoctype: true,
      elementNameFn: elementKey,
    });
  } catch {
    return null;
  }
  const simplified = simplify(tree);
  return simplified !== null && typeof simplified === 'object' && !Array.isArray(simplified) ? (simplified as Record<string, unknown>) : null;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return textOf(value[0]);
  return null;
}

function statusOf(line: unknown): number | null {
  const match = /^\S+\s+(\d{3})/.exec(textOf(line) ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * A 207 body as its responses: href, status (the response's own, else the request's), and the props of
 * every 2xx propstat merged (a 404 propstat lists props the resource lacks). Null when the body is not a
 * DAV:multistatus.
 */
export function parseMultistatus(xml: string, httpStatus: number): DavMultistatus | null {
  const tree = parseXmlTree(xml);
  const multistatus = tree?.multistatus;
  if (multistatus === null || typeof multistatus !== 'object' || Array.isArray(multistatus)) return null;
  const responses: DavEntry[] = [];
  for (const response of asList((multistatus as Record<string, unknown>).response)) {
    if (response === null || typeof response !== 'object') continue;
    const body = response as Record<string, unknown>;
    const href = textOf(body.href);
    if (href === null) continue;
    const status = statusOf(body.status) ?? httpStatus;
    let props: DavProps = {};
    for (const propstat of asList(body.propstat)) {
      if (propstat === null || typeof propstat !== 'object') continue;
      const { status: line, prop } = propstat as Record<string, unknown>;
      const propstatStatus = statusOf(line);
      if (propstatStatus !== null && (propstatStatus < 200 || propstatStatus >= 300)) continue;
      if (prop !== null && typeof prop === 'object' && !Array.isArray(prop)) props = { ...props, ...(prop as DavProps) };
    }
    responses.push({ href, status, ok: status >= 200 && status < 300, props });
  }
  return { responses, multistatus: multistatus as DavProps };
}
