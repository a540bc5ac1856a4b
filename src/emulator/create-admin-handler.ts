import { AdminRequestError } from './admin-request-error.js';
import { isLoopbackAddress } from '../domain/is-loopback-address.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorActionError, invalidParameter } from './emulator-action-error.js';
import type { EmulatorDatabase } from './emulator-database.js';
import { EMULATOR_USERS } from './emulator-users.js';
import { isPlainObject } from './parse-action-values.js';
import { parseAppointmentWrite } from './parse-appointment-write.js';

export const ADMIN_PATH = '/admin';
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * A small JSON API for people, beside the signed onOffice API, so the way back can be tried by hand
 * (see what the daemon wrote into onOffice, add or change an appointment as an agent would):
 *
 *   GET    /admin/appointments            every appointment, by id, as `read calendar` returns it
 *   GET    /admin/appointments/ID         one appointment
 *   POST   /admin/appointments            create; the body is `create calendar`'s parameters ({data: {...}, subscribers: {users: [53]}, ...})
 *   PATCH  /admin/appointments/ID         change; the body is `modify calendar`'s parameters (only the fields to change)
 *   DELETE /admin/appointments/ID         delete (onOffice keeps no trace)
 *   GET    /admin/users                   the users, each with `active` (false: departed, not in `get users`)
 *   PATCH  /admin/users/ID                {"active": false} lets a user leave the agency, true brings them back
 *
 * Unsigned, so it answers loopback clients only (403 otherwise), whatever address the emulator listens on.
 * Bad input gets 400 with the same message the signed API would give.
 */
export function createAdminHandler(data: EmulatorDatabase, onChange: () => void): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const send = (status: number, body?: unknown): void => {
      const text = body === undefined ? '' : `${JSON.stringify(body, null, 2)}\n`;
      response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      response.end(text);
    };
    if (!isLoopbackAddress(request.socket.remoteAddress)) {
      request.resume();
      send(403, { error: 'the emulator admin API answers loopback clients only: call it on 127.0.0.1 from the emulator\'s machine' });
      return;
    }
    const path = new URL(request.url ?? '/', 'http://emulator').pathname.replace(/\/+$/, '');
    const match = /^\/admin\/(appointments|users)(?:\/(\d+))?$/.exec(path);
    const body = await readJsonBody(request);
    if (!match) {
      send(404, { error: `no such admin resource ${path}: use /admin/appointments or /admin/users` });
      return;
    }
    const [, resource, idText] = match;
    const id = idText === undefined ? undefined : Number(idText);
    const method = request.method ?? 'GET';
    if (body instanceof Error) {
      send(400, { error: body.message });
      return;
    }
    try {
      if (resource === 'users') {
        answerUsers(method, id, body, send, data, onChange);
        return;
      }
      answerAppointments(method, id, body, send, data, onChange);
    } catch (error) {
      if (!(error instanceof EmulatorActionError)) throw error;
      send(400, { error: error.message });
    }
  };
}

type Send = (status: number, body?: unknown) => void;

function answerAppointments(method: string, id: number | undefined, body: unknown, send: Send, data: EmulatorDatabase, onChange: () => void): void {
  if (id === undefined) {
    if (method === 'GET') return send(200, { appointments: data.list().sort((a, b) => a.id - b.id) });
    if (method === 'POST') {
      const { patch, extras } = parseAppointmentWrite(requireObject(body), undefined);
      const created = data.insert(patch);
      if (Object.keys(extras).length > 0) data.setExtras(created, extras);
      onChange();
      return send(201, data.get(created));
    }
    return send(405, { error: `${method} /admin/appointments: use GET (list) or POST (create)` });
  }
  const current = data.get(id);
  if (current === undefined) return send(404, { error: `no appointment with id ${id}: GET /admin/appointments lists them` });
  if (method === 'GET') return send(200, current);
  if (method === 'PATCH') {
    const { patch, extras } = parseAppointmentWrite(requireObject(body), current.elements);
    data.update(id, patch);
    if (Object.keys(extras).length > 0) data.setExtras(id, extras);
    onChange();
    return send(200, data.get(id));
  }
  if (method === 'DELETE') {
    data.remove(id);
    onChange();
    return send(204);
  }
  return send(405, { error: `${method} /admin/appointments/${id}: use GET, PATCH or DELETE` });
}

function answerUsers(method: string, id: number | undefined, body: unknown, send: Send, data: EmulatorDatabase, onChange: () => void): void {
  const describe = (user: (typeof EMULATOR_USERS)[number]) => ({ ...user, active: !data.departedUserIds.has(user.id) });
  if (id === undefined) {
    if (method === 'GET') return send(200, { users: EMULATOR_USERS.map(describe) });
    return send(405, { error: `${method} /admin/users: use GET` });
  }
  const user = EMULATOR_USERS.find((candidate) => candidate.id === id);
  if (user === undefined) return send(404, { error: `no user with id ${id}: GET /admin/users lists them` });
  if (method === 'GET') return send(200, describe(user));
  if (method !== 'PATCH') return send(405, { error: `${method} /admin/users/${id}: use GET or PATCH` });
  const patch = requireObject(body);
  if (typeof patch.active !== 'boolean' || Object.keys(patch).length !== 1) {
    return send(400, { error: 'PATCH /admin/users/ID takes {"active": true} or {"active": false}' });
  }
  if (patch.active) data.departedUserIds.delete(id);
  else data.departedUserIds.add(id);
  onChange();
  return send(200, describe(user));
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw invalidParameter('the body must be a JSON object, e.g. {"data": {"description": "…", "start_dt": "2026-12-03 10:00:00", "end_dt": "2026-12-03 11:00:00"}}');
  return body;
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) return new AdminRequestError(`the body is over ${BODY_LIMIT_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new AdminRequestError('the body is not valid JSON');
  }
}
