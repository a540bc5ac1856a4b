import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor-command.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { sendMultistatus, startScriptedServer, type RecordedRequest, type ScriptedServer } from '../caldav/start-scripted-server.js';
import { createTempDir, createTestConfig, startEmulator } from '../support/sync-fixture.js';

/**
 * doctor's probe against a server with Cyrus's and Sabre's rules (DTEND after DTSTART; the UID is the
 * href's name), and its advice when the server refuses the event's data.
 */
describe('onoffice-sync doctor: the probe event and the advice for a refused one', () => {
  let emulator: Emulator;
  let server: ScriptedServer;
  let temp: ReturnType<typeof createTempDir>;
  let refuseAll = false;

  const refuse = (response: ServerResponse, sentence: string): void => {
    response.writeHead(403, { 'Content-Type': 'application/xml; charset=utf-8' });
    response.end(`<?xml version="1.0"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:valid-calendar-data/><D:responsedescription>${sentence}</D:responsedescription></D:error>`);
  };

  const handle = (request: RecordedRequest, response: ServerResponse): void => {
    if (request.method === 'PROPFIND') {
      sendMultistatus(
        response,
        `<d:response><d:href>${request.path}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>` +
          '<d:displayname>onOffice</d:displayname><d:sync-token>http://x/1</d:sync-token></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>',
      );
      return;
    }
    if (request.method === 'PUT') {
      if (refuseAll) return refuse(response, 'Calendar data is not what this server stores');
      const [event] = parseIcsObjects(request.body);
      const name = decodeURIComponent(request.path.slice(request.path.lastIndexOf('/') + 1)).replace(/\.ics$/, '');
      if (!event?.end || event.end.getTime() <= event.start.getTime()) return refuse(response, 'DTEND must occur after DTSTART');
      if (event.uid !== name) return refuse(response, 'UID does not match the resource name');
      response.writeHead(201, { ETag: '"probe-1"' });
      response.end();
      return;
    }
    response.writeHead(request.method === 'DELETE' ? 204 : 405);
    response.end();
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, appointments: 1 });
    server = await startScriptedServer(handle);
    temp = createTempDir('oos-doctor-probe-');
  });

  afterAll(async () => {
    await emulator?.close();
    await server?.close();
    temp?.remove();
  });

  const doctor = async (): Promise<{ code: number; output: string }> => {
    const config = createTestConfig({ emulator, caldavUrl: `${server.url}dav/cal/`, stateDb: `${temp.dir}/state.db` });
    let output = '';
    const code = await runDoctor(() => ({ config, logger: createSilentLogger() }), { write: (text: string) => (output += text) });
    return { code, output };
  };

  it('writes an event with DTEND after DTSTART whose UID is its href name, and deletes it', async () => {
    const { code, output } = await doctor();
    expect(code, output).toBe(0);
    expect(output).toMatch(/✓ CalDAV default: onoffice: calendar .* found; a test event was written and deleted/);
    const put = server.requests.find((request) => request.method === 'PUT')!;
    const deleted = server.requests.find((request) => request.method === 'DELETE')!;
    expect(deleted.path).toBe(put.path);
  });

  it('calls a refused event a data error, quotes the server, and does not blame permissions', async () => {
    refuseAll = true;
    const { code, output } = await doctor();
    expect(code).not.toBe(0);
    expect(output).toContain('HTTP 403: "Calendar data is not what this server stores"');
    expect(output).toContain('refused the test event itself, not the account');
    expect(output).not.toContain('permission');
    expect(output).not.toContain('valid-calendar-data');
  });
});
