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

// CDATA, comment, processing instruction / declaration, DOCTYPE, a tag, or text; sticky, so anything
// else (a stray `<`) stops the scan and the body reads as not XML.
const TOKEN =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/y;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(lt|gt|amp|quot|apos));/g;
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (_match, hex: string | undefined, decimal: string | undefined, named: string | undefined) =>
    hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : decimal ? String.fromCodePoint(Number(decimal)) : NAMED_ENTITIES[named!]!,
  );
}

/** `d:sync-token` → `syncToken`, as tsdav names elements (namespace prefix dropped, camel-cased). */
function elementKey(qualifiedName: string): string {
  return qualifiedName.replace(/^.+:/, '').replace(/[-_]+(\w?)/g, (_match, next: string) => (next ? next.toUpperCase() : ''));
}

interface Frame {
  name: string;
  node: Record<string, unknown>;
  text: string;
  hasChildren: boolean;
}

function attach(parent: Frame, key: string, value: unknown): void {
  parent.hasChildren = true;
  const existing = parent.node[key];
  if (existing === undefined) parent.node[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else parent.node[key] = [existing, value];
}

/**
 * A small XML reader for WebDAV answers: elements keyed by local name (camel-cased), repeated elements as
 * arrays, an element holding only text as its trimmed text, an empty one as `{}`. Attributes and text
 * beside child elements are dropped: no DAV property this project reads uses them. Null when the text is
 * not well-formed enough to read.
 */
export function parseXmlTree(xml: string): Record<string, unknown> | null {
  const root: Frame = { name: '', node: {}, text: '', hasChildren: false };
  const stack: Frame[] = [root];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < xml.length) {
    const match = TOKEN.exec(xml);
    if (!match) return null;
    const [, cdata, closing, name, , selfClosing, text] = match;
    const top = stack[stack.length - 1]!;
    if (cdata !== undefined) top.text += cdata;
    else if (text !== undefined) top.text += decodeEntities(text);
    else if (name === undefined) continue;
    else if (closing) {
      if (top.name !== name || stack.length === 1) return null;
      stack.pop();
      const trimmed = top.text.trim();
      attach(stack[stack.length - 1]!, elementKey(name), top.hasChildren || trimmed === '' ? top.node : trimmed);
    } else if (selfClosing) {
      attach(top, elementKey(name), {});
    } else {
      stack.push({ name, node: {}, text: '', hasChildren: false });
    }
  }
  return stack.length === 1 ? root.node : null;
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
