import { describe, expect, it } from 'vitest';
import { parseMultistatus, parseXmlTree } from '../../src/caldav/parse-multistatus.js';
import { readText } from '../../src/caldav/read-multistatus.js';

const SYNC_ANSWER = `<?xml version="1.0" encoding="utf-8"?>
<!-- a comment -->
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <response>
    <href>/cal/a%40b.ics</href>
    <propstat>
      <prop><getetag>"12&amp;3"</getetag><resourcetype/></prop>
      <status>HTTP/1.1 200 OK</status>
    </propstat>
    <propstat>
      <prop><C:calendar-data/></prop>
      <status>HTTP/1.1 404 Not Found</status>
    </propstat>
  </response>
  <response>
    <href>/cal/gone.ics</href>
    <status>HTTP/1.1 404 Not Found</status>
  </response>
  <sync-token><![CDATA[http://x/sync/42]]></sync-token>
</multistatus>`;

describe('parseMultistatus', () => {
  it('reads hrefs, statuses, the 2xx props and the sync token, whatever the prefixes', () => {
    const parsed = parseMultistatus(SYNC_ANSWER, 207);
    expect(parsed?.responses).toEqual([
      { href: '/cal/a%40b.ics', status: 207, ok: true, props: { getetag: '"12&3"', resourcetype: {} } },
      { href: '/cal/gone.ics', status: 404, ok: false, props: {} },
    ]);
    expect(readText(parsed?.multistatus.syncToken)).toBe('http://x/sync/42');
  });

  it('keys prefixed elements by camel-cased local name and keeps repeated elements as a list', () => {
    const tree = parseXmlTree('<d:a xmlns:d="DAV:"><d:calendar-home-set><d:href>/h/</d:href></d:calendar-home-set><x:b>1</x:b><x:b>2</x:b></d:a>');
    expect(tree).toEqual({ a: { calendarHomeSet: { href: '/h/' }, b: ['1', '2'] } });
  });

  it('says null for a body that is not a well-formed multistatus', () => {
    expect(parseMultistatus('<html><body>proxy</body></html>', 200)).toBeNull();
    expect(parseMultistatus('<multistatus><response></multistatus>', 207)).toBeNull();
    expect(parseMultistatus('not xml < at all', 207)).toBeNull();
  });
});
