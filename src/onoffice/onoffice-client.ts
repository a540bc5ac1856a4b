import { createSilentLogger, type Logger } from '../log/create-logger.js';
import type { AppointmentRecord } from '../domain/appointment-record.js';
import type { AppointmentWrite } from '../domain/appointment-write.js';
import { computeHmacV2 } from './hmac.js';
import {
  ACTION_FAILED_ERROR_CODE,
  AUTH_ERROR_CODES,
  CLOCK_SKEW_ERROR_CODE,
  NOT_FOUND_ERROR_CODE,
  OnOfficeActionError,
  OnOfficeAuthError,
  OnOfficeClockSkewError,
  OnOfficeNetworkError,
  OnOfficeProtocolError,
  OnOfficeServerError,
  OnOfficeTimeoutError,
} from './onoffice-errors.js';
import { sendHttpRequest, type HttpAnswer, type HttpTransport } from '../http/send-http-request.js';
import { createFetchTransport } from '../http/create-fetch-transport.js';

/**
 * One onOffice answer is read up to this many bytes. 10 actions of 500 records are about 10 MB; a
 * 50 MB answer took 412 MB of memory once parsed, so beyond this the run stops with a clear error
 * instead of risking the process.
 */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

const ACTION_ID_PREFIX = 'urn:onoffice-de-ns:smart:2.5:smartml:action:';

export const ACTION_IDS = {
  read: 'urn:onoffice-de-ns:smart:2.5:smartml:action:read',
  create: 'urn:onoffice-de-ns:smart:2.5:smartml:action:create',
  modify: 'urn:onoffice-de-ns:smart:2.5:smartml:action:modify',
  get: 'urn:onoffice-de-ns:smart:2.5:smartml:action:get',
  do: 'urn:onoffice-de-ns:smart:2.5:smartml:action:do',
  delete: 'urn:onoffice-de-ns:smart:2.5:smartml:action:delete',
} as const;

export interface ReadCalendarParams {
  /** 'YYYY-MM-DD HH:mm:ss' in UTC: onOffice stores `modified` in UTC. */
  modifiedstart?: string;
  modifiedend?: string;
  /** 'YYYY-MM-DD'; onOffice ignores a time part. */
  datestart?: string;
  dateend?: string;
  showcancelled?: boolean;
  allusers?: boolean;
  users?: number[];
  groups?: number[];
  filter?: Record<string, Array<{ op: string; val: unknown }>>;
}

export interface ReadCalendarPage {
  records: AppointmentRecord[];
  cntabsolute: number | null;
}

export interface OnOfficeAction {
  actionid: string;
  resourcetype: string;
  resourceid?: string;
  /** Unique within one request; `a0`, `a1`, … by position when left out. */
  identifier?: string;
  parameters: Record<string, unknown>;
}

export interface OnOfficeRecord {
  id: number | string;
  type: string | null;
  elements: Record<string, unknown>;
}

export interface OnOfficeActionResult {
  actionid: string;
  resourcetype: string;
  resourceid: string;
  identifier: string;
  records: OnOfficeRecord[];
  cntabsolute: number | null;
}

export interface OnOfficeUser {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
}

export interface OnOfficeClient {
  /** All actions in ONE HTTP request; results in the same order. Request-level failures throw;
   *  a failed action comes back as an OnOfficeActionError in its slot. */
  send(actions: OnOfficeAction[]): Promise<Array<OnOfficeActionResult | OnOfficeActionError>>;
  readCalendarBatch(params: ReadCalendarParams[]): Promise<Array<ReadCalendarPage | OnOfficeActionError>>;
  /** null when onOffice answers 169 (not found) or returns no record. */
  readAppointment(id: number): Promise<AppointmentRecord | null>;
  /** Resolves to the new appointment's id. */
  createAppointment(input: AppointmentWrite): Promise<number>;
  modifyAppointment(id: number, input: AppointmentWrite): Promise<void>;
  /** Also resolves when the appointment is already gone (169): the wanted state is reached. */
  deleteAppointment(id: number): Promise<void>;
  sendAppointmentConfirmation(calendarId: number, useDefaultMailAccount?: boolean): Promise<void>;
  getUsers(): Promise<OnOfficeUser[]>;
  /** Server clock minus ours in seconds, from the last response's Date header (null before any). */
  lastClockOffsetSeconds(): number | null;
}

export interface OnOfficeClientOptions {
  url: string;
  token: string;
  secret: string;
  /** Per HTTP attempt, connecting to the last byte of the body. Default 30000. */
  timeoutMs?: number;
  /** Attempts after the first one, for network errors, timeouts and 5xx. Default 4. */
  retries?: number;
  /** Sends through this fetch instead of the transport (tests script answers with one). */
  fetch?: typeof fetch;
  /** The HTTP transport; default node:http(s) with a keep-alive agent (sendHttpRequest). */
  transport?: HttpTransport;
  /** Milliseconds since the epoch. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
  /** Largest answer read (bytes); default MAX_ANSWER_BYTES. */
  maxAnswerBytes?: number;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 8_000;

/**
 * A create or an appointment confirmation (`do`) that reached the server may have taken effect even
 * when the answer was lost or was a 5xx; sending it again could duplicate the appointment or mail the
 * customer twice. So a request holding one of them is retried only when the connection was never
 * made. Reads, gets, modifies (same data again) and deletes are safe to repeat.
 */
const NOT_IDEMPOTENT_ACTIONS: ReadonlySet<string> = new Set([ACTION_IDS.create, ACTION_IDS.do]);
const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

// Long on purpose: a factory whose body is a list of small functions (send, parse, one per action) over one connection's settings.
export function createOnOfficeClient(options: OnOfficeClientOptions): OnOfficeClient {
  const { url, token, secret } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 4;
  const transport = options.fetch ? createFetchTransport(options.fetch) : (options.transport ?? sendHttpRequest);
  const maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const log = (options.logger ?? createSilentLogger()).child({ module: 'onoffice' });
  let clockOffsetSeconds: number | null = null;

  async function send(actions: OnOfficeAction[]): Promise<Array<OnOfficeActionResult | OnOfficeActionError>> {
    if (actions.length === 0) return [];
    const identifiers = assignIdentifiers(actions);
    const label = describeActions(actions);
    const repeatable = actions.every((action) => !NOT_IDEMPOTENT_ACTIONS.has(action.actionid));
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await sendOnce(actions, identifiers, label, attempt);
      } catch (error) {
        if (attempt > retries || !isRetryable(error, repeatable)) throw error;
        const delayMs = computeBackoffMs(attempt, random);
        log.warn({ actions: label, attempt, delayMs, error: (error as Error).message }, 'onOffice request failed, retrying');
        await sleep(delayMs);
      }
    }
  }

  async function sendOnce(
    actions: OnOfficeAction[],
    identifiers: string[],
    label: string,
    attempt: number,
  ): Promise<Array<OnOfficeActionResult | OnOfficeActionError>> {
    // Signed afresh on every attempt: a retry after a long backoff must not carry a stale timestamp.
    const timestamp = Math.floor(now() / 1000);
    const body = JSON.stringify({
      token,
      request: {
        actions: actions.map((action, index) => ({
          actionid: action.actionid,
          identifier: identifiers[index],
          resourceid: action.resourceid ?? '',
          resourcetype: action.resourcetype,
          timestamp,
          hmac: computeHmacV2({ secret, timestamp, token, resourcetype: action.resourcetype, actionid: action.actionid }),
          hmac_version: '2',
          parameters: sortByKey(action.parameters),
        })),
      },
    });
    const startedAt = now();
    let response: HttpAnswer;
    try {
      response = await transport(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        maxBodyBytes: maxAnswerBytes,
      });
    } catch (error) {
      log.debug({ actions: label, count: actions.length, attempt, durationMs: now() - startedAt }, 'onOffice request failed');
      throw toTransportError(error, label, url, timeoutMs);
    }
    log.debug(
      { actions: label, count: actions.length, attempt, status: response.status, durationMs: now() - startedAt },
      'onOffice request',
    );
    const offset = measureClockOffset(response.headers.get('date'), now());
    if (offset !== null) clockOffsetSeconds = offset;
    if (response.status < 200 || response.status > 299) throw new OnOfficeServerError(label, url, response.status);
    if ('tooLarge' in response.body) throw new OnOfficeProtocolError(label, url, `the answer is larger than ${maxAnswerBytes} bytes; lower poll.batchSize so that fewer actions share one request`);
    return parseResponse(response.body.text, actions, identifiers, label, offset);
  }

  function parseResponse(
    text: string,
    actions: OnOfficeAction[],
    identifiers: string[],
    label: string,
    offset: number | null,
  ): Array<OnOfficeActionResult | OnOfficeActionError> {
    const protocolError = (detail: string) => new OnOfficeProtocolError(label, url, detail);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      // The body itself stays out of the message: it is untrusted and could echo what we sent.
      throw protocolError(`the body is not JSON (${text.length} bytes)`);
    }
    if (!isObject(payload) || !isObject(payload.status)) throw protocolError('there is no status object at the root');
    const rootCode = toNumber(payload.status.code);
    const rootErrorCode = toNumber(payload.status.errorcode) ?? 0;
    const rootMessage = toText(payload.status.message);
    if (rootErrorCode === CLOCK_SKEW_ERROR_CODE) throw new OnOfficeClockSkewError(label, offset);
    if (rootCode === 400 || AUTH_ERROR_CODES.has(rootErrorCode)) {
      throw new OnOfficeAuthError(label, rootErrorCode === 0 ? null : rootErrorCode, rootMessage);
    }
    // A root error code other than 97 names a fault in the request's JSON or structure: sending the same
    // request again cannot help. Status 500 without one is a general server failure, retried like HTTP 5xx.
    if (rootErrorCode !== 0 && rootErrorCode !== ACTION_FAILED_ERROR_CODE) {
      throw protocolError(`the request was rejected with errorcode ${rootErrorCode}${rootMessage ? ` (${rootMessage})` : ''}`);
    }
    if (rootCode === 500 && rootErrorCode === 0) throw new OnOfficeServerError(label, url, 500, rootMessage);

    const results = isObject(payload.response) ? payload.response.results : undefined;
    if (!Array.isArray(results)) throw protocolError('response.results is not a list');
    if (results.length !== actions.length) {
      throw protocolError(`${results.length} result(s) for ${actions.length} action(s)`);
    }
    const checked = results.map((result: unknown, index) => {
      const expected = identifiers[index]!;
      if (!isObject(result)) throw protocolError(`result ${index} is not an object`);
      const identifier = toText(result.identifier);
      if (identifier !== expected) {
        throw protocolError(`result ${index} has identifier "${identifier}" where "${expected}" was sent`);
      }
      if (!isObject(result.status)) throw protocolError(`result ${index} has no status`);
      return {
        result,
        code: toNumber(result.status.code),
        errorcode: toNumber(result.status.errorcode) ?? 0,
        message: toText(result.status.message),
      };
    });

    // An auth or clock failure concerns the whole request even when reported per action.
    for (const { errorcode, message } of checked) {
      if (errorcode === CLOCK_SKEW_ERROR_CODE) throw new OnOfficeClockSkewError(label, offset);
      if (AUTH_ERROR_CODES.has(errorcode)) throw new OnOfficeAuthError(label, errorcode, message);
    }

    return checked.map(({ result, code, errorcode, message }, index) => {
      const action = actions[index]!;
      const resourceid = action.resourceid ?? '';
      const failedCode = errorcode !== 0 ? errorcode : code !== null && code >= 400 ? code : 0;
      if (failedCode !== 0) return new OnOfficeActionError(describeAction(action), failedCode, message, resourceid);
      return {
        actionid: action.actionid,
        resourcetype: action.resourcetype,
        resourceid,
        identifier: identifiers[index]!,
        ...parseData(result.data, (detail) => protocolError(`result ${index}: ${detail}`)),
      };
    });
  }

  async function sendOne(action: OnOfficeAction): Promise<OnOfficeActionResult> {
    const [result] = await send([action]);
    if (result instanceof OnOfficeActionError) throw result;
    if (!result) throw new OnOfficeProtocolError(describeAction(action), url, 'no result');
    return result;
  }

  async function readCalendarBatch(params: ReadCalendarParams[]): Promise<Array<ReadCalendarPage | OnOfficeActionError>> {
    const results = await send(
      params.map((p) => ({ actionid: ACTION_IDS.read, resourcetype: 'calendar', parameters: withoutUndefined({ ...p }) })),
    );
    return results.map((result) =>
      result instanceof OnOfficeActionError ? result : { records: toAppointmentRecords(result.records), cntabsolute: result.cntabsolute },
    );
  }

  async function readAppointment(id: number): Promise<AppointmentRecord | null> {
    try {
      const result = await sendOne({ actionid: ACTION_IDS.read, resourcetype: 'calendar', resourceid: String(id), parameters: {} });
      return toAppointmentRecords(result.records)[0] ?? null;
    } catch (error) {
      if (error instanceof OnOfficeActionError && error.code === NOT_FOUND_ERROR_CODE) return null;
      throw error;
    }
  }

  async function createAppointment(input: AppointmentWrite): Promise<number> {
    const action = { actionid: ACTION_IDS.create, resourcetype: 'calendar', parameters: toWriteParameters(input) };
    const result = await sendOne(action);
    const id = Number(result.records[0]?.id);
    if (!Number.isInteger(id) || id <= 0) {
      throw new OnOfficeProtocolError(describeAction(action), url, 'the answer holds no id of the new appointment');
    }
    return id;
  }

  async function modifyAppointment(id: number, input: AppointmentWrite): Promise<void> {
    await sendOne({ actionid: ACTION_IDS.modify, resourcetype: 'calendar', resourceid: String(id), parameters: toWriteParameters(input) });
  }

  async function deleteAppointment(id: number): Promise<void> {
    try {
      // The page's heading names resource type `appointments`, its example request `calendar`; the
      // example is what was actually sent, and matches read/create/modify of the same module.
      await sendOne({ actionid: ACTION_IDS.delete, resourcetype: 'calendar', resourceid: String(id), parameters: {} });
    } catch (error) {
      if (error instanceof OnOfficeActionError && error.code === NOT_FOUND_ERROR_CODE) return;
      throw error;
    }
  }

  async function sendAppointmentConfirmation(calendarId: number, useDefaultMailAccount?: boolean): Promise<void> {
    await sendOne({
      actionid: ACTION_IDS.do,
      resourcetype: 'appointmentAffirmation',
      parameters: withoutUndefined({ calendarId, useDefaultMailAccount }),
    });
  }

  async function getUsers(): Promise<OnOfficeUser[]> {
    const action = { actionid: ACTION_IDS.get, resourcetype: 'users', parameters: {} };
    const result = await sendOne(action);
    return result.records.map((record) => {
      const id = Number(record.elements.id ?? record.id);
      if (!Number.isInteger(id)) throw new OnOfficeProtocolError(describeAction(action), url, `a user has the id ${String(record.id)}`);
      return {
        id,
        username: toText(record.elements.username),
        firstname: toText(record.elements.firstname),
        lastname: toText(record.elements.lastname),
        email: toText(record.elements.email),
      };
    });
  }

  return {
    send,
    readCalendarBatch,
    readAppointment,
    createAppointment,
    modifyAppointment,
    deleteAppointment,
    sendAppointmentConfirmation,
    getUsers,
    lastClockOffsetSeconds: () => clockOffsetSeconds,
  };
}

function assignIdentifiers(actions: OnOfficeAction[]): string[] {
  const identifiers = actions.map((action, index) => action.identifier || `a${index}`);
  if (new Set(identifiers).size !== identifiers.length) {
    throw new RangeError(`onOffice action identifiers must be unique within a request: ${identifiers.join(', ')}`);
  }
  return identifiers;
}

/** `read calendar`: the words people and the docs use for an action. */
function describeAction(action: OnOfficeAction): string {
  const verb = action.actionid.startsWith(ACTION_ID_PREFIX) ? action.actionid.slice(ACTION_ID_PREFIX.length) : action.actionid;
  return `${verb} ${action.resourcetype}`;
}

/** `read calendar ×3, create calendar`: the actions of one request, for messages and logs. */
function describeActions(actions: OnOfficeAction[]): string {
  const counts = new Map<string, number>();
  for (const action of actions) {
    const kind = describeAction(action);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, count]) => (count > 1 ? `${kind} ×${count}` : kind)).join(', ');
}

/** The docs ask for the first level of `parameters` sorted by key (ASCII order, as PHP's ksort). */
function sortByKey(parameters: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(parameters).sort()) sorted[key] = parameters[key];
  return sorted;
}

function withoutUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

function toWriteParameters(input: AppointmentWrite): Record<string, unknown> {
  return withoutUndefined({ ...input });
}

/** Jittered exponential backoff: between half and all of min(cap, base · 2^(attempt-1)). */
function computeBackoffMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function isRetryable(error: unknown, repeatable: boolean): boolean {
  if (error instanceof OnOfficeNetworkError) return repeatable || NOT_CONNECTED_CODES.has(error.causeCode);
  if (error instanceof OnOfficeTimeoutError) return repeatable;
  if (error instanceof OnOfficeServerError) return repeatable && (error.status >= 500 || error.status === 429);
  return false;
}

function toTransportError(error: unknown, label: string, url: string, timeoutMs: number): OnOfficeTimeoutError | OnOfficeNetworkError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new OnOfficeTimeoutError(label, url, timeoutMs);
  }
  return new OnOfficeNetworkError(label, url, causeCodeOf(error), error);
}

function causeCodeOf(error: unknown): string {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return '';
}

/** Server clock minus ours, whole seconds. The Date header has one-second resolution. */
function measureClockOffset(dateHeader: string | null, nowMs: number): number | null {
  if (!dateHeader) return null;
  const serverMs = Date.parse(dateHeader);
  if (Number.isNaN(serverMs)) return null;
  return Math.round((serverMs - nowMs) / 1000);
}

function parseData(
  data: unknown,
  protocolError: (detail: string) => OnOfficeProtocolError,
): { records: OnOfficeRecord[]; cntabsolute: number | null } {
  // delete and do may answer without records (the docs only say "success"): no records then.
  if (!isObject(data)) return { records: [], cntabsolute: null };
  const cntabsolute = isObject(data.meta) ? toNumber(data.meta.cntabsolute) : null;
  if (data.records === undefined || data.records === null) return { records: [], cntabsolute };
  if (!Array.isArray(data.records)) throw protocolError('data.records is not a list');
  const records = data.records.map((record: unknown, index): OnOfficeRecord => {
    if (!isObject(record) || (typeof record.id !== 'number' && typeof record.id !== 'string')) {
      throw protocolError(`record ${index} has no id`);
    }
    const { elements } = record;
    // PHP encodes an empty associative array as [], so `elements: []` means no elements.
    const isEmpty = elements === undefined || (Array.isArray(elements) && elements.length === 0);
    if (!isObject(elements) && !isEmpty) throw protocolError(`record ${index} has elements that are not an object`);
    return { id: record.id, type: typeof record.type === 'string' ? record.type : null, elements: isObject(elements) ? elements : {} };
  });
  return { records, cntabsolute };
}

function toAppointmentRecords(records: OnOfficeRecord[]): AppointmentRecord[] {
  return records.map((record) => ({ id: record.id, type: record.type ?? 'calendar', elements: record.elements }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return '';
}
