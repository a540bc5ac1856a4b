/**
 * The onOffice API emulator: one HTTP endpoint that answers like https://api.onoffice.de/api/stable/api.php
 * as ../shared/onoffice-api/ documents it, over an in-memory appointment table.
 *
 * Where errors go (onOffice puts the status in the JSON; the HTTP status is 200 for all of these):
 * - Fine: root status {code: 200, errorcode: 0, message: 'OK'}, each action status {errorcode: 0, message: 'OK'}.
 * - An action failed (unknown appointment 169, filter without period 241, bad parameter 32, unknown
 *   action 31, or a queued fault): only that action's status carries the errorcode and message, the
 *   other actions run normally, and the root becomes {code: 200, errorcode: 97, message: 'Error in action'}.
 * - Missing/unknown token: root {code: 400, errorcode: 13, message: 'not authenticated'}, no results.
 * - Any action with a wrong HMAC, or without hmac_version "2" (the old MD5 scheme is not emulated):
 *   root {code: 400, errorcode: 137, message: 'HMAC invalid'}, no action runs.
 * - Any action whose timestamp is more than 120 s from the emulator clock (plus faults.clockOffsetSeconds):
 *   root {code: 400, errorcode: 136, message: 'timestamp invalid'}, no action runs.
 * - Unparsable JSON or a body that is not {token, request: {actions: [...]}}: root {code: 500,
 *   errorcode: 21 (the emulator's pick), message naming the problem}, no action runs.
 * Every answer carries a Date header from the emulator clock (shifted by clockOffsetSeconds), from which a
 * client can measure its skew. Only POST to /api/stable/api.php or /api/latest/api.php is served, and the
 * loopback-only admin JSON API under /admin/ (create-admin-handler.ts); other paths get 404, other methods 405.
 * With `dataFile` the appointments survive restarts: loaded at start, written after every change.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { computeHmacV2 } from '../onoffice/hmac.js';
import { createSilentLogger, type Logger } from '../log/create-logger.js';
import { ADMIN_PATH, createAdminHandler } from './create-admin-handler.js';
import { createSeededRandom } from './create-seeded-random.js';
import { EmulatorActionError } from './emulator-action-error.js';
import { EmulatorDatabase } from './emulator-database.js';
import { readEmulatorDataFile, writeEmulatorDataFile } from './emulator-data-file.js';
import { EmulatorFaults } from './emulator-faults.js';
import { EmulatorLog } from './emulator-log.js';
import { generateAppointments } from './generate-appointments.js';
import { isPlainObject } from './parse-action-values.js';
import { isCacheable, runEmulatorAction, type ActionData, type EmulatorAction } from './run-emulator-action.js';

/** Emulator-only demo credentials: they open nothing but this emulator. Lengths match onOffice's (32/64). */
export const EMULATOR_TOKEN = 'emulator0demo0token0not0secret00';
export const EMULATOR_SECRET = 'emulator-demo-secret-that-only-opens-the-local-emulator-00000000';

export const EMULATOR_PATH = '/api/stable/api.php';
const SERVED_PATHS = new Set([EMULATOR_PATH, '/api/latest/api.php']);
const TIMESTAMP_WINDOW_SECONDS = 120;
const BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface EmulatorOptions {
  host?: string;
  port?: number;
  token?: string;
  secret?: string;
  appointments?: number;
  seed?: number;
  timezone?: string;
  capMode?: 'arbitrary' | 'sorted';
  now?: () => number;
  logger?: Logger;
  /** JSON file (0600) that keeps the appointments across restarts; an existing one replaces `appointments`. */
  dataFile?: string;
}

export interface Emulator {
  readonly url: string;
  readonly token: string;
  readonly secret: string;
  readonly data: EmulatorDatabase;
  readonly faults: EmulatorFaults;
  readonly log: EmulatorLog;
  /** http://host:port/admin: the loopback-only JSON API for people. */
  readonly adminUrl: string;
  close(): Promise<void>;
}

interface RootStatus {
  code: number;
  errorcode: number;
  message: string;
}

const OK: RootStatus = { code: 200, errorcode: 0, message: 'OK' };
const ERROR_IN_ACTION: RootStatus = { code: 200, errorcode: 97, message: 'Error in action' };
const NOT_AUTHENTICATED: RootStatus = { code: 400, errorcode: 13, message: 'not authenticated' };
const HMAC_INVALID: RootStatus = { code: 400, errorcode: 137, message: 'HMAC invalid' };
const TIMESTAMP_INVALID: RootStatus = { code: 400, errorcode: 136, message: 'timestamp invalid' };
const INVALID_REQUEST_ERRORCODE = 21;

class RootError extends Error {
  override readonly name = 'RootError';
  constructor(readonly status: RootStatus) {
    super(status.message);
  }
}

function invalidRequest(message: string): RootError {
  return new RootError({ code: 500, errorcode: INVALID_REQUEST_ERRORCODE, message: `invalid request: ${message}` });
}

interface SignedAction extends EmulatorAction {
  readonly identifier: string;
  readonly timestamp: unknown;
  readonly hmac: unknown;
  readonly hmacVersion: unknown;
}

function readText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function parseRequest(body: string): { token: unknown; actions: SignedAction[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
  if (!isPlainObject(parsed)) throw invalidRequest('the body must be a JSON object {token, request: {actions: [...]}}');
  const request = parsed.request;
  if (!isPlainObject(request) || !Array.isArray(request.actions)) throw invalidRequest('request.actions must be an array');
  const actions = request.actions.map((raw: unknown, index: number): SignedAction => {
    if (!isPlainObject(raw) || typeof raw.actionid !== 'string' || typeof raw.resourcetype !== 'string') {
      throw invalidRequest(`action ${index} needs string actionid and resourcetype`);
    }
    // PHP's json_encode writes an empty parameters object as [], as the docs' read-by-id example shows.
    const parameters = Array.isArray(raw.parameters) && raw.parameters.length === 0 ? {} : (raw.parameters ?? {});
    if (!isPlainObject(parameters)) throw invalidRequest(`action ${index}: parameters must be an object`);
    return {
      actionid: raw.actionid,
      resourcetype: raw.resourcetype,
      resourceid: readText(raw.resourceid),
      identifier: readText(raw.identifier),
      parameters,
      timestamp: raw.timestamp,
      hmac: raw.hmac,
      hmacVersion: raw.hmac_version,
    };
  });
  return { token: parsed.token, actions };
}

function equalText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkSignature(action: SignedAction, token: string, secret: string, nowSeconds: number): void {
  if (String(action.hmacVersion) !== '2' || typeof action.hmac !== 'string') throw new RootError(HMAC_INVALID);
  const timestamp = readText(action.timestamp);
  const expected = computeHmacV2({ secret, timestamp, token, resourcetype: action.resourcetype, actionid: action.actionid });
  if (!equalText(action.hmac, expected)) throw new RootError(HMAC_INVALID);
  const seconds = /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!(Math.abs(seconds - nowSeconds) <= TIMESTAMP_WINDOW_SECONDS)) throw new RootError(TIMESTAMP_INVALID);
}

function describeResult(action: SignedAction, data: ActionData, status: { errorcode: number; message: string }): unknown {
  return {
    actionid: action.actionid,
    resourceid: action.resourceid,
    resourcetype: action.resourcetype,
    cacheable: isCacheable(action.actionid),
    identifier: action.identifier,
    data,
    status,
  };
}

const EMPTY_DATA: ActionData = { meta: { cntabsolute: null }, records: [] };

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > BODY_LIMIT_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Long on purpose: the server's setup and a list of small handlers (API, admin, faults) over one emulated account.
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? EMULATOR_TOKEN;
  const secret = options.secret ?? EMULATOR_SECRET;
  const seed = options.seed ?? 1;
  const capMode = options.capMode ?? 'arbitrary';
  const now = options.now ?? Date.now;
  const logger = (options.logger ?? createSilentLogger()).child({ module: 'emulator' });
  const data = new EmulatorDatabase({ now });
  const faults = new EmulatorFaults(seed);
  const log = new EmulatorLog();
  let requestNumber = 0;

  const kept = options.dataFile === undefined ? null : readEmulatorDataFile(options.dataFile);
  if (kept) data.restore(kept);
  else if ((options.appointments ?? 0) > 0) {
    data.insertMany(generateAppointments({ count: options.appointments ?? 0, seed, timezone: options.timezone ?? 'Europe/Berlin' }));
  }
  const save = (): void => {
    if (options.dataFile !== undefined) writeEmulatorDataFile(options.dataFile, data.snapshot());
  };
  save();
  const admin = createAdminHandler(data, save);

  const clock = (): number => now() + faults.clockOffsetSeconds * 1000;

  function answerApi(body: string): string {
    requestNumber += 1;
    let changed = false;
    let root: RootStatus = OK;
    let results: unknown[] = [];
    try {
      const request = parseRequest(body);
      if (typeof request.token !== 'string' || !equalText(request.token, token)) throw new RootError(NOT_AUTHENTICATED);
      const nowSeconds = Math.floor(clock() / 1000);
      for (const action of request.actions) checkSignature(action, token, secret, nowSeconds);
      const context = { data, capMode, random: createSeededRandom(seed * 1_000_003 + requestNumber) };
      if (request.actions.some((action) => !isCacheable(action.actionid))) changed = true;
      results = request.actions.map((action) => {
        log.recordAction({ actionid: action.actionid, resourcetype: action.resourcetype, resourceid: action.resourceid, identifier: action.identifier, parameters: action.parameters });
        const queued = faults.takeActionError();
        try {
          if (queued !== undefined) throw new EmulatorActionError(queued.errorcode, queued.message);
          return describeResult(action, runEmulatorAction(action, context), { errorcode: 0, message: 'OK' });
        } catch (error) {
          if (!(error instanceof EmulatorActionError)) throw error;
          root = ERROR_IN_ACTION;
          return describeResult(action, EMPTY_DATA, { errorcode: error.errorcode, message: error.message });
        }
      });
    } catch (error) {
      if (!(error instanceof RootError)) throw error;
      root = error.status;
      results = [];
    }
    if (changed) save();
    logger.debug({ request: requestNumber, actions: results.length, errorcode: root.errorcode }, 'answered');
    return JSON.stringify({ status: root, response: { results } });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    log.httpRequests += 1;
    const latencyMs = faults.latencyMs;
    response.sendDate = false;
    const send = (status: number, body: string, type: string, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), Date: new Date(clock()).toUTCString(), ...headers });
      response.end(body);
    };
    const path = new URL(request.url ?? '/', 'http://emulator').pathname;
    if (path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`)) {
      await admin(request, response);
      return;
    }
    if (!SERVED_PATHS.has(path)) {
      request.resume();
      send(404, 'not found: the onOffice emulator serves POST /api/stable/api.php\n', 'text/plain; charset=utf-8');
      return;
    }
    if (request.method !== 'POST') {
      request.resume();
      send(405, 'method not allowed: POST only\n', 'text/plain; charset=utf-8', { Allow: 'POST' });
      return;
    }
    const body = await readBody(request);
    if (latencyMs > 0) await sleep(latencyMs);
    if (body === undefined) {
      send(413, 'request body too large\n', 'text/plain; charset=utf-8', { Connection: 'close' });
      return;
    }
    const failure = faults.takeHttpFailure();
    if (failure !== undefined) {
      send(failure, `emulator fault: HTTP ${failure}\n`, 'text/plain; charset=utf-8');
      return;
    }
    const json = answerApi(body);
    if (faults.shouldMalformJson()) {
      send(200, json.slice(0, Math.max(1, Math.floor(json.length / 2))), 'application/json; charset=utf-8');
      return;
    }
    send(200, json, 'application/json; charset=utf-8');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'emulator failed to answer');
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('emulator internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}${EMULATOR_PATH}`;
  const adminUrl = `http://${urlHost}:${address.port}${ADMIN_PATH}`;
  logger.info({ url, appointments: data.size }, 'onOffice emulator listening');

  return {
    url,
    token,
    secret,
    data,
    faults,
    log,
    adminUrl,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
