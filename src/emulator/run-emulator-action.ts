import type { SeededRandom } from './create-seeded-random.js';
import { ACTION_ERROR, EmulatorActionError, invalidParameter } from './emulator-action-error.js';
import type { EmulatorDatabase } from './emulator-database.js';
import { EMULATOR_API_USER_ID, EMULATOR_GROUPS, EMULATOR_USERS, findEmulatorGroup, listGroupIdsOf, type EmulatorUser } from './emulator-users.js';
import { parseAppointmentWrite } from './parse-appointment-write.js';
import { isPlainObject, parseFlag, parseInteger, parseString } from './parse-action-values.js';
import { parseAppointmentQuery, selectAppointments, sortByStart } from './select-appointments.js';

/** onOffice's documented maximum of appointments one read returns. */
const READ_CAP = 500;

const ACTION_PREFIX = 'urn:onoffice-de-ns:smart:2.5:smartml:action:';

export interface EmulatorAction {
  readonly actionid: string;
  readonly resourceid: string;
  readonly resourcetype: string;
  readonly parameters: Record<string, unknown>;
}

export interface ActionData {
  readonly meta: { readonly cntabsolute: number | null };
  readonly records: readonly unknown[];
}

export interface ActionContext {
  readonly data: EmulatorDatabase;
  /** 'arbitrary': over the cap, a shuffled selection (onOffice promises no order); 'sorted': the first by id. */
  readonly capMode: 'arbitrary' | 'sorted';
  /** Seeded per request, for the arbitrary selection. */
  readonly random: SeededRandom;
}

function parseRecordId(value: unknown, name: string): number {
  const id = parseInteger(value, name);
  if (id < 1) throw invalidParameter(`${name} must be a positive id, got ${id}`);
  return id;
}

function notFound(id: number): EmulatorActionError {
  return new EmulatorActionError(ACTION_ERROR.notFound, `appointment not found: ${id}`);
}

function readCalendar(action: EmulatorAction, context: ActionContext): ActionData {
  if (action.resourceid !== '') {
    // By id the docs list no parameters; the record comes back whatever its participants or cancellation.
    const id = parseRecordId(action.resourceid, 'resourceid');
    const record = context.data.get(id);
    if (record === undefined) throw notFound(id);
    return { meta: { cntabsolute: 1 }, records: [record] };
  }
  const matches = selectAppointments(context.data.scan(), parseAppointmentQuery(action.parameters));
  if (matches.length <= READ_CAP) return { meta: { cntabsolute: matches.length }, records: sortByStart(matches) };
  // Over the cap the 500 come in no particular order: the arbitrary mode shuffles them (the worst case a
  // client must survive), the sorted mode gives the lowest ids in id order.
  const capped =
    context.capMode === 'sorted'
      ? matches.sort((a, b) => a.id - b.id).slice(0, READ_CAP)
      : context.random.shuffle(matches).slice(0, READ_CAP);
  return { meta: { cntabsolute: READ_CAP }, records: capped };
}

function createCalendar(action: EmulatorAction, context: ActionContext): ActionData {
  const { patch, extras } = parseAppointmentWrite(action.parameters, undefined);
  const id = context.data.insert(patch);
  if (Object.keys(extras).length > 0) context.data.setExtras(id, extras);
  return { meta: { cntabsolute: null }, records: [{ id, type: 'calendar', elements: [] }] };
}

/**
 * modify, delete and do answer with a "success" element. The docs only say "the response is success"
 * for delete and show no modify response; the shape is the emulator's reading, so a client should look
 * at the action's errorcode only.
 */
function describeSuccess(id: number, type: string): ActionData {
  return { meta: { cntabsolute: null }, records: [{ id, type, elements: { success: 'success' } }] };
}

function modifyCalendar(action: EmulatorAction, context: ActionContext): ActionData {
  const id = parseRecordId(action.resourceid, 'resourceid');
  const current = context.data.get(id);
  if (current === undefined) throw notFound(id);
  const { patch, extras } = parseAppointmentWrite(action.parameters, current.elements);
  context.data.update(id, patch);
  if (Object.keys(extras).length > 0) context.data.setExtras(id, extras);
  return describeSuccess(id, 'calendar');
}

function deleteCalendar(action: EmulatorAction, context: ActionContext): ActionData {
  const id = parseRecordId(action.resourceid, 'resourceid');
  if (!context.data.remove(id)) throw notFound(id);
  return describeSuccess(id, action.resourcetype);
}

function sendAppointmentAffirmation(action: EmulatorAction, context: ActionContext): ActionData {
  if (action.parameters.calendarId === undefined) throw invalidParameter('calendarId is mandatory');
  const id = parseRecordId(action.parameters.calendarId, 'calendarId');
  if (!context.data.has(id)) throw notFound(id);
  const useDefault = action.parameters.useDefaultMailAccount === undefined ? false : parseFlag(action.parameters.useDefaultMailAccount, 'useDefaultMailAccount');
  context.data.recordConfirmation(id, useDefault);
  return describeSuccess(id, 'appointmentAffirmation');
}

function describeUserRecord(user: EmulatorUser): unknown {
  return {
    id: user.id,
    type: null,
    elements: { id: user.id, username: user.username, firstname: user.firstName, lastname: user.lastName, email: user.email, meetingurl: user.meetingUrl },
  };
}

/**
 * userfilter per the get-users docs: none → everyone; onlyOwn → the API user; byGroupId → that group.
 * A departed user (emulator.data.departedUserIds) is in no answer, as onOffice lists only active users.
 */
function getUsers(action: EmulatorAction, context: ActionContext): ActionData {
  const filter = action.parameters.userfilter === undefined ? '' : parseString(action.parameters.userfilter, 'userfilter');
  let users: readonly EmulatorUser[];
  switch (filter) {
    case '':
      users = EMULATOR_USERS;
      break;
    case 'onlyOwn':
      users = EMULATOR_USERS.filter((user) => user.id === EMULATOR_API_USER_ID);
      break;
    case 'ownOfficeGroupOrAll': {
      const memberIds = new Set(listGroupIdsOf(EMULATOR_API_USER_ID).flatMap((id) => findEmulatorGroup(id)?.userIds ?? []));
      users = memberIds.size === 0 ? EMULATOR_USERS : EMULATOR_USERS.filter((user) => memberIds.has(user.id));
      break;
    }
    case 'byGroupId': {
      if (action.parameters.groupId === undefined) throw invalidParameter('userfilter byGroupId needs groupId');
      const groupId = parseInteger(action.parameters.groupId, 'groupId');
      const group = findEmulatorGroup(groupId);
      if (group === undefined) throw invalidParameter(`groupId: no group with id ${groupId}`);
      users = EMULATOR_USERS.filter((user) => group.userIds.includes(user.id));
      break;
    }
    default:
      throw invalidParameter(`userfilter must be ownOfficeGroupOrAll, onlyOwn or byGroupId, got ${JSON.stringify(filter)}`);
  }
  return { meta: { cntabsolute: null }, records: users.filter((user) => !context.data.departedUserIds.has(user.id)).map(describeUserRecord) };
}

function getGroups(): ActionData {
  return {
    meta: { cntabsolute: null },
    records: EMULATOR_GROUPS.map((group) => ({
      id: group.id,
      type: null,
      elements: { id: group.id, name: group.name, abr: group.abr, userIds: [...group.userIds], groupType: group.groupType, leaders: [...group.leaders] },
    })),
  };
}

type Handler = (action: EmulatorAction, context: ActionContext) => ActionData;

/**
 * The served actions by "<actionid's last segment>:<resourcetype>". Delete is served for resourcetype
 * calendar (the docs' example) and appointments (the docs' heading says so).
 */
const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['read:calendar', readCalendar],
  ['create:calendar', createCalendar],
  ['modify:calendar', modifyCalendar],
  ['delete:calendar', deleteCalendar],
  ['delete:appointments', deleteCalendar],
  ['do:appointmentAffirmation', sendAppointmentAffirmation],
  ['get:users', getUsers],
  ['get:groups', getGroups],
]);

export function isCacheable(actionid: string): boolean {
  return actionid === `${ACTION_PREFIX}read` || actionid === `${ACTION_PREFIX}get`;
}

/** Runs one authenticated action; an EmulatorActionError becomes that action's status. */
export function runEmulatorAction(action: EmulatorAction, context: ActionContext): ActionData {
  const verb = action.actionid.startsWith(ACTION_PREFIX) ? action.actionid.slice(ACTION_PREFIX.length) : undefined;
  const handler = verb === undefined ? undefined : HANDLERS.get(`${verb}:${action.resourcetype}`);
  if (handler === undefined) {
    throw new EmulatorActionError(
      ACTION_ERROR.unknownAction,
      `unknown action ${JSON.stringify(action.actionid)} for resourcetype ${JSON.stringify(action.resourcetype)}; the emulator serves ${[...HANDLERS.keys()].join(', ')}`,
    );
  }
  if (!isPlainObject(action.parameters)) throw invalidParameter('parameters must be an object');
  return handler(action, context);
}
