import { describe, expect, it } from 'vitest';
import {
  CaldavAuthError,
  CaldavConflictError,
  CaldavNotFoundError,
  CaldavPreconditionError,
  CaldavRequestError,
  CaldavSyncTokenError,
  createCaldavHttpError,
  isPermanentRefusal,
} from '../../src/caldav/caldav-errors.js';
import { parseRetryAfter } from '../../src/caldav/caldav-fetch.js';

const url = 'https://dav.example.com/cal/anna/onoffice/oo-1.ics';

describe('createCaldavHttpError', () => {
  it('quotes Cyrus’s sentence for a refused event, not the XML element names, and calls it permanent', () => {
    const body =
      '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:valid-calendar-data/>' +
      '<D:responsedescription>DTEND must occur after DTSTART</D:responsedescription></D:error>';
    const error = createCaldavHttpError({ method: 'PUT', url, status: 403, body });
    expect(error).toMatchObject({ name: 'CaldavRequestError', status: 403, detail: 'valid-calendar-data', serverText: 'DTEND must occur after DTSTART' });
    expect(error.message).toContain('(HTTP 403: "DTEND must occur after DTSTART")');
    expect(error.message).not.toContain('responsedescription');
    expect(isPermanentRefusal(error)).toBe(true);
  });

  it('quotes Sabre’s s:message and decodes its entities', () => {
    const body =
      '<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:sabredav-version>1.8.12</s:sabredav-version>' +
      '<s:exception>Sabre\\DAV\\Exception\\UnsupportedMediaType</s:exception><s:message>The &quot;calendar-data&quot; is not valid &amp; cannot be stored</s:message></d:error>';
    const error = createCaldavHttpError({ method: 'PUT', url, status: 415, body });
    expect(error).toMatchObject({ name: 'CaldavRequestError', serverText: 'The "calendar-data" is not valid & cannot be stored', detail: '' });
    expect(isPermanentRefusal(error)).toBe(true);
  });

  it('reads SOGo’s plain-text 409 "Event UID already in use." as a UID conflict', () => {
    const sogo = '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV">Event UID already in use. (u1@test)</D:error>';
    expect(createCaldavHttpError({ method: 'PUT', url, status: 409, body: sogo })).toMatchObject({ name: 'CaldavConflictError', uidConflict: true, existingHref: null });
    expect(createCaldavHttpError({ method: 'PUT', url, status: 409, body: 'Event UID already in use.\n' })).toMatchObject({ name: 'CaldavConflictError', uidConflict: true, existingHref: null });
    expect(createCaldavHttpError({ method: 'PUT', url, status: 409, body: 'Parent collection missing' }).message).toContain('"Parent collection missing"');
  });

  it('takes 400, 413 and 422 as permanent, a 403 without precondition and need-privileges as auth, 405 as not permanent', () => {
    for (const status of [400, 413, 422]) expect(isPermanentRefusal(createCaldavHttpError({ method: 'PUT', url, status, body: '' }))).toBe(true);
    expect(createCaldavHttpError({ method: 'PUT', url, status: 403, body: '<D:error xmlns:D="DAV:"><D:responsedescription>no</D:responsedescription></D:error>' })).toBeInstanceOf(CaldavAuthError);
    expect(createCaldavHttpError({ method: 'PUT', url, status: 403, body: '<D:error xmlns:D="DAV:"><D:need-privileges/></D:error>' })).toBeInstanceOf(CaldavAuthError);
    expect(isPermanentRefusal(createCaldavHttpError({ method: 'PUT', url, status: 405, body: '' }))).toBe(false);
    expect(isPermanentRefusal(createCaldavHttpError({ method: 'PUT', url, status: 412, body: '' }))).toBe(false);
  });

  it('reads the existing href from an RFC 4791 no-uid-conflict precondition', () => {
    const body =
      '<?xml version="1.0"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict><D:href>/cal/anna/onoffice/other.ics</D:href></C:no-uid-conflict></D:error>';
    const error = createCaldavHttpError({ method: 'PUT', url, status: 403, body });
    expect(error).toBeInstanceOf(CaldavConflictError);
    expect(error).toMatchObject({ name: 'CaldavConflictError', uidConflict: true, existingHref: 'https://dav.example.com/cal/anna/onoffice/other.ics', status: 403 });
    expect(error.message).toContain(`PUT ${url}`);
    expect(error.message).toContain('other.ics');
  });

  it('maps Radicale’s 409 with an empty no-uid-conflict to a conflict without href', () => {
    const body = '<error xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict /></error>';
    expect(createCaldavHttpError({ method: 'PUT', url, status: 409, body })).toMatchObject({ name: 'CaldavConflictError', uidConflict: true, existingHref: null });
  });

  it('tells a rejected sync token apart from an auth failure', () => {
    const body = '<error xmlns="DAV:"><valid-sync-token /></error>';
    expect(createCaldavHttpError({ method: 'REPORT', url, status: 403, body })).toBeInstanceOf(CaldavSyncTokenError);
    expect(createCaldavHttpError({ method: 'REPORT', url, status: 409, body })).toBeInstanceOf(CaldavSyncTokenError);
    expect(createCaldavHttpError({ method: 'REPORT', url, status: 403, body: 'Forbidden' })).toBeInstanceOf(CaldavAuthError);
  });

  it('maps the remaining statuses to one class each, every message naming method and URL', () => {
    const cases: Array<[number, string, string]> = [
      [401, '', 'CaldavAuthError'],
      [403, '<d:error xmlns:d="DAV:"><c:valid-calendar-data xmlns:c="urn:ietf:params:xml:ns:caldav"/></d:error>', 'CaldavRequestError'],
      [404, '', 'CaldavNotFoundError'],
      [410, '', 'CaldavNotFoundError'],
      [409, '', 'CaldavConflictError'],
      [412, '', 'CaldavPreconditionError'],
      [415, '', 'CaldavRequestError'],
      [501, '', 'CaldavRequestError'],
    ];
    for (const [status, body, name] of cases) {
      const error = createCaldavHttpError({ method: 'PROPFIND', url, status, body });
      expect(error.name, String(status)).toBe(name);
      expect(error.message).toContain(`PROPFIND ${url}`);
    }
    const request = createCaldavHttpError({ method: 'PUT', url, status: 403, body: cases[1]![1] });
    expect((request as CaldavRequestError).detail).toBe('valid-calendar-data');
    expect(createCaldavHttpError({ method: 'PUT', url, status: 412, body: '' })).toBeInstanceOf(CaldavPreconditionError);
    expect(createCaldavHttpError({ method: 'GET', url, status: 404, body: '' })).toBeInstanceOf(CaldavNotFoundError);
  });

  it('says what to do about bad credentials', () => {
    expect(new CaldavAuthError({ method: 'PROPFIND', url, status: 401 }).message).toMatch(/check CALDAV_USERNAME\/CALDAV_PASSWORD.*app password/);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');

  it('reads delay-seconds and HTTP-dates, and nothing else', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
