import { createHmac } from 'node:crypto';
import type { Emulator } from '../../src/emulator/start-emulator.js';

/** A deliberately tiny onOffice request helper for the emulator tests (the real client lives elsewhere). */

export const ACTION = {
  read: 'urn:onoffice-de-ns:smart:2.5:smartml:action:read',
  create: 'urn:onoffice-de-ns:smart:2.5:smartml:action:create',
  modify: 'urn:onoffice-de-ns:smart:2.5:smartml:action:modify',
  delete: 'urn:onoffice-de-ns:smart:2.5:smartml:action:delete',
  do: 'urn:onoffice-de-ns:smart:2.5:smartml:action:do',
  get: 'urn:onoffice-de-ns:smart:2.5:smartml:action:get',
} as const;

export interface TestAction {
  actionid: string;
  resourcetype: string;
  resourceid?: string | number;
  identifier?: string;
  parameters?: Record<string, unknown> | unknown[];
}

export interface SignOptions {
  token?: string;
  secret?: string;
  /** Unix seconds; default the current time. */
  timestamp?: number;
  hmacVersion?: string | null;
  hmac?: string;
}

export function signHmacV2(secret: string, timestamp: number | string, token: string, resourcetype: string, actionid: string): string {
  return createHmac('sha256', secret).update(`${timestamp}${token}${resourcetype}${actionid}`).digest('base64');
}

export function buildBody(emulator: Emulator, actions: TestAction[], options: SignOptions = {}): string {
  const token = options.token ?? emulator.token;
  const secret = options.secret ?? emulator.secret;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return JSON.stringify({
    token,
    request: {
      actions: actions.map((action) => ({
        actionid: action.actionid,
        resourceid: String(action.resourceid ?? ''),
        resourcetype: action.resourcetype,
        identifier: action.identifier ?? '',
        timestamp,
        hmac: options.hmac ?? signHmacV2(secret, timestamp, token, action.resourcetype, action.actionid),
        ...(options.hmacVersion === null ? {} : { hmac_version: options.hmacVersion ?? '2' }),
        parameters: action.parameters ?? {},
      })),
    },
  });
}

export interface ApiAnswer {
  status: { code: number; errorcode: number; message: string };
  response: { results: ApiResult[] };
}

export interface ApiResult {
  actionid: string;
  resourceid: string;
  resourcetype: string;
  cacheable: boolean;
  identifier: string;
  data: { meta: { cntabsolute: number | null }; records: Array<{ id: number; type: string | null; elements: any }> };
  status: { errorcode: number; message: string };
}

export async function postRaw(emulator: Emulator, body: string): Promise<Response> {
  return fetch(emulator.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
}

export async function send(emulator: Emulator, actions: TestAction[], options: SignOptions = {}): Promise<ApiAnswer> {
  const response = await postRaw(emulator, buildBody(emulator, actions, options));
  if (response.status !== 200) throw new Error(`emulator answered HTTP ${response.status}`);
  return (await response.json()) as ApiAnswer;
}

/** Sends one action and returns its result. */
export async function sendOne(emulator: Emulator, action: TestAction, options: SignOptions = {}): Promise<ApiResult> {
  const answer = await send(emulator, [action], options);
  const result = answer.response.results[0];
  if (result === undefined) throw new Error(`no result: ${JSON.stringify(answer.status)}`);
  return result;
}

export function readCalendar(parameters: Record<string, unknown>, resourceid = ''): TestAction {
  return { actionid: ACTION.read, resourcetype: 'calendar', resourceid, parameters };
}
