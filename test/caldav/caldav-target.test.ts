import { afterEach, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { CaldavConflictError, CaldavProtocolError } from '../../src/caldav/caldav-errors.js';
import type { CalendarRef } from '../../src/caldav/calendar-target.js';
import { renderTestEvent } from './render-test-event.js';
import { sendMultistatus, startScriptedServer, type ScriptedServer } from './start-scripted-server.js';

/*
 * Adapter behaviour that the real servers in the contract tests cannot show on demand: a PUT answered
 * without ETag, a server without MKCALENDAR, a truncated sync report, answers that are not WebDAV.
 */

let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const noSleep = async (): Promise<void> => {};

function calendarAt(url: string): CalendarRef {
  return { url: `${url}cal/`, displayName: 'cal' };
}

function objectResponse(href: string, etag: string, extra = ''): string {
  return `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>${etag}</d:getetag>${extra}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
}

describe('writes', () => {
  it('reads the ETag with a PROPFIND when the PUT answer has none', async () => {
    server = await startScriptedServer((request, response) => {
      if (request.method === 'PUT') {
        response.writeHead(201);
        response.end();
        return;
      }
      sendMultistatus(response, objectResponse(request.path, '"after-put"'));
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const created = await target.createObject(calendarAt(server.url), 'oo 7.ics', renderTestEvent('oo-7@test'));
    expect(created).toEqual({ href: `${server.url}cal/oo%207.ics`, etag: '"after-put"' });
    const [put, propfind] = server.requests;
    expect(put).toMatchObject({ method: 'PUT', path: '/cal/oo%207.ics' });
    expect(put?.headers['if-none-match']).toBe('*');
    expect(put?.headers['if-match']).toBeUndefined();
    expect(put?.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(put?.body).toBe(renderTestEvent('oo-7@test'));
    expect(propfind).toMatchObject({ method: 'PROPFIND', path: '/cal/oo%207.ics' });
    expect(propfind?.headers.depth).toBe('0');
  });

  it('sends If-Match only when an ETag is given, and takes the ETag from the answer', async () => {
    server = await startScriptedServer((_request, response, index) => {
      response.writeHead(204, { ETag: `"v${index + 2}"` });
      response.end();
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const calendar = calendarAt(server.url);
    const href = `${server.url}cal/a.ics`;
    expect(await target.updateObject(calendar, href, renderTestEvent('a@test'), '"v1"')).toEqual({ href, etag: '"v2"' });
    expect(await target.updateObject(calendar, href, renderTestEvent('a@test'), null)).toEqual({ href, etag: '"v3"' });
    await target.deleteObject(calendar, href, '"v3"');
    await target.deleteObject(calendar, href, null);
    expect(server.requests.map((request) => [request.method, request.headers['if-match'] ?? null, request.headers['if-none-match'] ?? null])).toEqual([
      ['PUT', '"v1"', null],
      ['PUT', null, null],
      ['DELETE', '"v3"', null],
      ['DELETE', null, null],
    ]);
  });

  it('turns a 207 answer to PUT that reports a no-uid-conflict into CaldavConflictError with the existing href', async () => {
    server = await startScriptedServer((_request, response) => {
      sendMultistatus(
        response,
        '<d:response><d:href>/cal/new.ics</d:href><d:status>HTTP/1.1 403 Forbidden</d:status><d:error><c:no-uid-conflict><d:href>/cal/old.ics</d:href></c:no-uid-conflict></d:error></d:response>',
      );
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const error: unknown = await target.createObject(calendarAt(server.url), 'new.ics', renderTestEvent('dup@test')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaldavConflictError);
    expect(error).toMatchObject({ uidConflict: true, existingHref: `${server.url}cal/old.ics`, status: 403 });
  });
});

describe('ensureCalendar', () => {
  it('falls back to extended MKCOL when MKCALENDAR is not allowed, with name, colour and the calendar resource type', async () => {
    let created = false;
    server = await startScriptedServer((request, response) => {
      if (request.method === 'PROPFIND') {
        if (!created) {
          response.writeHead(404);
          response.end();
          return;
        }
        sendMultistatus(
          response,
          '<d:response><d:href>/team/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>Team</d:displayname><x:calendar-color xmlns:x="http://apple.com/ns/ical/">#1f6feb</x:calendar-color></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>',
        );
        return;
      }
      if (request.method === 'MKCALENDAR') {
        response.writeHead(405);
        response.end();
        return;
      }
      created = true;
      response.writeHead(201);
      response.end();
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const calendar = await target.ensureCalendar({ path: `${server.url}team`, displayName: 'Team', color: '#1f6feb' });
    expect(calendar).toMatchObject({ url: `${server.url}team/`, displayName: 'Team', color: '#1f6feb' });
    expect(server.requests.map((request) => request.method)).toEqual(['PROPFIND', 'MKCALENDAR', 'MKCOL', 'PROPFIND']);
    const mkcol = server.requests[2]?.body ?? '';
    expect(mkcol).toMatch(/<d:mkcol[^>]*>/);
    expect(mkcol).toMatch(/<d:resourcetype>\s*<d:collection\s*\/>\s*<c:calendar\s*\/>\s*<\/d:resourcetype>/);
    expect(mkcol).toContain('<d:displayname>Team</d:displayname>');
    expect(mkcol).toContain('<ca:calendar-color>#1F6FEBFF</ca:calendar-color>');
  });

  it('refuses a path that exists but is not a calendar', async () => {
    server = await startScriptedServer((_request, response) => {
      sendMultistatus(response, '<d:response><d:href>/files/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>');
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const error: unknown = await target.ensureCalendar({ path: `${server.url}files/`, displayName: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaldavConflictError);
    expect((error as Error).message).toContain('not a calendar');
  });
});

describe('reads', () => {
  it('batches calendar-multiget and leaves out hrefs the server reports missing', async () => {
    server = await startScriptedServer((request, response) => {
      const hrefs = [...request.body.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((match) => match[1] ?? '');
      sendMultistatus(
        response,
        hrefs
          .map((href) =>
            href.includes('gone')
              ? `<d:response><d:href>${href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`
              : objectResponse(href, `"${href.length}"`, `<c:calendar-data>${renderTestEvent(href)}</c:calendar-data>`),
          )
          .join(''),
      );
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep, multigetBatchSize: 2 });
    const calendar = calendarAt(server.url);
    const hrefs = ['a.ics', 'gone.ics', 'b', 'c.ics', 'd.ics'].map((name) => `${calendar.url}${name}`);
    const objects = await target.fetchObjects(calendar, hrefs);
    expect(objects.map((object) => object.href)).toEqual(hrefs.filter((href) => !href.includes('gone')));
    expect(objects[0]?.data).toContain('UID:/cal/a.ics');
    expect(server.requests.map((request) => request.method)).toEqual(['REPORT', 'REPORT', 'REPORT']);
    expect(server.requests[0]?.body).toContain('calendar-multiget');
  });

  it('follows a truncated sync-collection (507) to the end and reports deletions', async () => {
    server = await startScriptedServer((request, response) => {
      if (request.method === 'PROPFIND') {
        sendMultistatus(
          response,
          '<d:response><d:href>/cal/</d:href><d:propstat><d:prop><d:supported-report-set><d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report></d:supported-report-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>',
        );
        return;
      }
      const token = /<d:sync-token>([^<]*)<\/d:sync-token>/.exec(request.body)?.[1];
      if (token === 'token-1') {
        sendMultistatus(
          response,
          `${objectResponse('/cal/a.ics', '"a2"')}<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>token-2</d:sync-token>`,
        );
        return;
      }
      sendMultistatus(response, `<d:response><d:href>/cal/b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:sync-token>token-3</d:sync-token>`);
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const changes = await target.fetchChanges(calendarAt(server.url), 'token-1');
    expect(changes).toEqual({
      changed: [{ href: `${server.url}cal/a.ics`, etag: '"a2"' }],
      deleted: [`${server.url}cal/b.ics`],
      syncToken: 'token-3',
      complete: false,
    });
    const reports = server.requests.filter((request) => request.method === 'REPORT');
    expect(reports.map((request) => /<d:sync-token>([^<]*)</.exec(request.body)?.[1])).toEqual(['token-1', 'token-2']);
    expect(reports[0]?.body).toContain('<d:sync-level>1</d:sync-level>');
  });

  it('lists by ETag when the server has no sync-collection', async () => {
    server = await startScriptedServer((request, response) => {
      if (request.headers.depth === '0') {
        sendMultistatus(response, '<d:response><d:href>/cal/</d:href><d:propstat><d:prop><d:supported-report-set/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>');
        return;
      }
      sendMultistatus(
        response,
        `<d:response><d:href>/cal/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>${objectResponse('/cal/x', '"x1"')}`,
      );
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const changes = await target.fetchChanges(calendarAt(server.url), 'ignored');
    expect(changes).toEqual({ changed: [{ href: `${server.url}cal/x`, etag: '"x1"' }], deleted: [], syncToken: null, complete: true });
  });

  it('rejects a 2xx answer that is not a multistatus with CaldavProtocolError', async () => {
    server = await startScriptedServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<html><body>Please log in</body></html>');
    });
    const target = createCaldavTarget({ url: server.url, sleep: noSleep });
    const error: unknown = await target.listObjects(calendarAt(server.url)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaldavProtocolError);
    expect((error as Error).message).toContain(`PROPFIND ${server.url}cal/`);
  });
});
