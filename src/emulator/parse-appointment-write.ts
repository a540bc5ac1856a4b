import { invalidParameter } from './emulator-action-error.js';
import { describeUsers, type EmulatorElements, type EmulatorRecordExtras } from './emulator-database.js';
import { findEmulatorGroup, findEmulatorUser, type EmulatorUser } from './emulator-users.js';
import {
  isCalendarDate,
  isPlainObject,
  parseCalendarDate,
  parseDateTime,
  parseDuration,
  parseFlag,
  parseIdList,
  parseInteger,
  parseString,
} from './parse-action-values.js';

/**
 * The parameters of `create`/`modify calendar`, validated against the docs and turned into the fields a
 * read returns. Where the docs are silent:
 * - Fields outside the documented `data` list, and undocumented top-level parameters, are errors: a
 *   typo must not be silently dropped. Write the place through `location`, not `data.ort`.
 * - A wall time needs a time part; seconds may be left out. end_dt before start_dt is an error. Wall
 *   times are stored as given, even one that a DST change skips (onOffice stores wall times).
 * - rp_flag true needs rp_type (t/w/m/j), rp_tage (1..999) and rp_ende_status (1 or 2; 1 needs
 *   rp_ende_datum, not before the start date); rp_beginn_datum defaults to the start date. rp_flag false
 *   clears every rp_* field. rp_exception is the documented '#YYYY-MM-DD#...' string ('' clears it) and
 *   replaces the stored list on modify.
 * - `status` wins over `abgesagt` (documented); abgesagt true alone means status canceled, abgesagt false
 *   alone turns a canceled appointment active again.
 * - `subscribers` replaces all participants; without subscribers a new appointment has none.
 * - location: sonstiges and customVideoUrl become `ort` verbatim, "keine Angaben" clears it, user and
 *   userMeetingUrl use that user's name or meeting URL, the others (address, estate, group, mandant)
 *   store their value as text.
 * - reminderTypes needs a reminder time (data.erinnerung, or one already stored) — documented.
 */

const REMINDERS = new Set(['0 minutes', '5 minutes', '15 minutes', '30 minutes', '1 hours', '2 hours', '3 hours', '12 hours', '15 hours', '1 days', '2 days', '3 days', '1 weeks', '3 weeks']);
const STATUSES = new Set(['active', 'completed', 'canceled', 'participantsAvailable']);
const REPEAT_TYPES = new Set(['t', 'w', 'm', 'j']);
const REMINDER_TYPES = new Set(['email', 'popup', 'sms']);
const LOCATION_KINDS = new Set(['address', 'estate', 'user', 'group', 'mandant', 'sonstiges', 'customVideoUrl', 'userMeetingUrl', 'keine Angaben']);
const DATA_FIELDS = new Set([
  'description', 'start_dt', 'end_dt', 'art', 'ganztags', 'allowTransitTime', 'transitTime', 'transitTimePre', 'transitTimePost',
  'note', 'abgesagt', 'status', 'private', 'erinnerung', 'origin', 'ressources', 'von', 'rp_flag', 'rp_type', 'rp_tage',
  'rp_beginn_datum', 'rp_ende_datum', 'rp_ende_status', 'rp_exception',
]);
const CREATE_PARAMETERS = new Set(['data', 'relatedAddressIds', 'relatedEstateId', 'location', 'subscribers', 'reminderTypes']);
const MODIFY_PARAMETERS = new Set([...CREATE_PARAMETERS, 'replaceAddressIds']);

export interface AppointmentWrite {
  readonly patch: Partial<EmulatorElements>;
  readonly extras: EmulatorRecordExtras;
}

function parseRepeatExceptions(value: unknown): string[] {
  const text = parseString(value, 'data.rp_exception');
  if (text === '') return [];
  if (!text.startsWith('#')) throw invalidParameter(`data.rp_exception must look like '#2024-05-26#2024-05-28', got ${JSON.stringify(text)}`);
  const dates = text.slice(1).split('#');
  for (const date of dates) {
    if (!isCalendarDate(date)) throw invalidParameter(`data.rp_exception: ${JSON.stringify(date)} is not a date YYYY-MM-DD`);
  }
  return [...new Set(dates)].sort();
}

// Long on purpose: one short check per documented field, in the docs' order.
function parseData(data: Record<string, unknown>): { patch: Partial<EmulatorElements>; origin?: unknown } {
  const patch: Partial<EmulatorElements> = {};
  let origin: unknown;
  for (const [key, value] of Object.entries(data)) {
    const name = `data.${key}`;
    switch (key) {
      case 'description':
      case 'note':
      case 'von':
        patch[key] = parseString(value, name);
        break;
      case 'start_dt':
      case 'end_dt':
        patch[key] = parseDateTime(value, name, 'required');
        break;
      case 'art': {
        const art = parseString(value, name);
        patch.art = art === '' ? [] : { [art]: art };
        break;
      }
      case 'ganztags':
      case 'allowTransitTime':
      case 'abgesagt':
      case 'rp_flag':
        patch[key] = parseFlag(value, name);
        break;
      case 'private':
        patch.private = parseFlag(value, name) ? '1' : '0';
        break;
      case 'transitTime':
        patch.transitTime = value === null ? null : parseDuration(value, name);
        break;
      case 'transitTimePre':
      case 'transitTimePost':
        patch[key] = parseDuration(value, name);
        break;
      case 'status': {
        const status = parseString(value, name);
        if (!STATUSES.has(status)) throw invalidParameter(`${name} must be one of ${[...STATUSES].join(', ')}, got ${JSON.stringify(status)}`);
        patch.status = status as EmulatorElements['status'];
        break;
      }
      case 'erinnerung': {
        const reminder = parseString(value, name);
        if (reminder !== '' && !REMINDERS.has(reminder)) throw invalidParameter(`${name} must be one of ${[...REMINDERS].join(', ')}`);
        patch.erinnerung = reminder;
        break;
      }
      case 'origin':
        origin = value;
        break;
      case 'ressources': {
        if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalidParameter(`${name} must be an array of strings`);
        patch.ressources = [...value];
        patch.ressourcesWithKeys = value.length === 0 ? [] : Object.fromEntries(value.map((item) => [item, item]));
        break;
      }
      case 'rp_type': {
        const type = parseString(value, name);
        if (!REPEAT_TYPES.has(type)) throw invalidParameter(`${name} must be t, w, m or j, got ${JSON.stringify(type)}`);
        patch.rp_type = type;
        break;
      }
      case 'rp_tage': {
        const days = parseInteger(value, name);
        if (days < 1 || days > 999) throw invalidParameter(`${name} must be between 1 and 999, got ${days}`);
        patch.rp_tage = days;
        break;
      }
      case 'rp_beginn_datum':
      case 'rp_ende_datum':
        patch[key] = parseCalendarDate(value, name);
        break;
      case 'rp_ende_status': {
        const status = parseInteger(value, name);
        if (status !== 1 && status !== 2) throw invalidParameter(`${name} must be 1 (end date) or 2 (open-ended), got ${status}`);
        patch.rp_ende_status = String(status);
        break;
      }
      case 'rp_exception':
        patch.rp_exception = parseRepeatExceptions(value);
        break;
      default:
        throw invalidParameter(`data has no field ${JSON.stringify(key)}; documented: ${[...DATA_FIELDS].join(', ')}`);
    }
  }
  if (patch.status !== undefined) patch.abgesagt = patch.status === 'canceled';
  else if (patch.abgesagt === true) patch.status = 'canceled';
  return origin === undefined ? { patch } : { patch, origin };
}

function parseSubscribers(value: unknown): Partial<EmulatorElements> {
  if (!isPlainObject(value)) throw invalidParameter('subscribers must be an object {users?, groups?}');
  for (const key of Object.keys(value)) {
    if (key !== 'users' && key !== 'groups') throw invalidParameter(`subscribers has no key ${JSON.stringify(key)}; use users and groups`);
  }
  const users = (value.users === undefined ? [] : parseIdList(value.users, 'subscribers.users')).map((id) => {
    const user = findEmulatorUser(id);
    if (user === undefined) throw invalidParameter(`subscribers.users: no user with id ${id}`);
    return user;
  });
  const groups = (value.groups === undefined ? [] : parseIdList(value.groups, 'subscribers.groups')).map((id) => {
    const group = findEmulatorGroup(id);
    if (group === undefined) throw invalidParameter(`subscribers.groups: no group with id ${id}`);
    return group;
  });
  const uniqueUsers = [...new Map(users.map((user) => [user.id, user])).values()];
  const userIds = new Set(uniqueUsers.map((user) => user.id));
  for (const group of groups) for (const member of group.userIds) userIds.add(member);
  return { ...describeUsers(uniqueUsers), user_ids: [...userIds], groups: [...new Set(groups.map((group) => group.id))] };
}

function describeUserLocation(user: EmulatorUser | undefined, id: number): string {
  return user === undefined ? String(id) : `${user.firstName} ${user.lastName}`;
}

function parseLocation(value: unknown): string {
  if (!isPlainObject(value)) throw invalidParameter('location must be an object with one key, e.g. {"sonstiges": "Testr.1, 52062 Aachen"}');
  const entries = Object.entries(value);
  const [entry] = entries;
  if (entry === undefined || entries.length > 1) throw invalidParameter('location must have exactly one key');
  const [kind, place] = entry;
  if (!LOCATION_KINDS.has(kind)) throw invalidParameter(`location has no kind ${JSON.stringify(kind)}; documented: ${[...LOCATION_KINDS].join(', ')}`);
  switch (kind) {
    case 'sonstiges':
    case 'customVideoUrl':
      return parseString(place, `location.${kind}`);
    case 'keine Angaben':
      return '';
    case 'user': {
      const id = parseInteger(place, 'location.user');
      return describeUserLocation(findEmulatorUser(id), id);
    }
    case 'userMeetingUrl': {
      const id = parseInteger(place, 'location.userMeetingUrl');
      return findEmulatorUser(id)?.meetingUrl ?? '';
    }
    default:
      return String(place);
  }
}

/**
 * Validates create/modify parameters. `current` is the stored record for a modify (cross-field rules
 * look at the merged result), undefined for a create.
 */
export function parseAppointmentWrite(parameters: Record<string, unknown>, current: EmulatorElements | undefined): AppointmentWrite {
  const allowed = current === undefined ? CREATE_PARAMETERS : MODIFY_PARAMETERS;
  for (const key of Object.keys(parameters)) {
    if (!allowed.has(key)) throw invalidParameter(`${current === undefined ? 'create' : 'modify'} calendar has no parameter ${JSON.stringify(key)}; documented: ${[...allowed].join(', ')}`);
  }
  const data = parameters.data ?? {};
  if (!isPlainObject(data)) throw invalidParameter('data must be an object');
  const { patch, origin } = parseData(data);
  const extras: EmulatorRecordExtras = origin === undefined ? {} : { origin };

  if (parameters.subscribers !== undefined) Object.assign(patch, parseSubscribers(parameters.subscribers));
  if (parameters.location !== undefined) {
    patch.ort = parseLocation(parameters.location);
    extras.location = parameters.location as Record<string, unknown>;
  }
  if (parameters.relatedAddressIds !== undefined) {
    const ids = parseIdList(parameters.relatedAddressIds, 'relatedAddressIds');
    const replace = parameters.replaceAddressIds !== undefined && parseFlag(parameters.replaceAddressIds, 'replaceAddressIds');
    patch.assignedaddressids = current === undefined || replace ? [...new Set(ids)] : [...new Set([...current.assignedaddressids, ...ids])];
  } else if (parameters.replaceAddressIds !== undefined && parseFlag(parameters.replaceAddressIds, 'replaceAddressIds')) {
    patch.assignedaddressids = [];
  }
  if (parameters.relatedEstateId !== undefined) {
    const estate = parameters.relatedEstateId === null ? 0 : parseInteger(parameters.relatedEstateId, 'relatedEstateId');
    patch.assignedobjectids = estate === 0 ? [] : [estate];
  }
  if (parameters.reminderTypes !== undefined) {
    const types = parameters.reminderTypes;
    if (!Array.isArray(types) || !types.every((type) => typeof type === 'string' && REMINDER_TYPES.has(type))) {
      throw invalidParameter('reminderTypes must be an array of email, popup, sms');
    }
    if ((patch.erinnerung ?? current?.erinnerung ?? '') === '') throw invalidParameter('reminderTypes needs data.erinnerung set to a reminder time');
    extras.reminderTypes = [...types];
  }

  checkMerged(patch, current);
  return { patch, extras };
}

function checkMerged(patch: Partial<EmulatorElements>, current: EmulatorElements | undefined): void {
  const start = patch.start_dt ?? current?.start_dt;
  const end = patch.end_dt ?? current?.end_dt;
  if (start === undefined || start === '') throw invalidParameter('data.start_dt is mandatory');
  if (end === undefined || end === '') throw invalidParameter('data.end_dt is mandatory');
  if (end < start) throw invalidParameter(`data.end_dt ${end} is before data.start_dt ${start}`);

  if (current?.status === 'canceled' && patch.abgesagt === false && patch.status === undefined) patch.status = 'active';

  const repeating = patch.rp_flag ?? current?.rp_flag ?? false;
  if (!repeating) {
    if (patch.rp_flag === false || current === undefined) {
      Object.assign(patch, { rp_flag: false, rp_type: '', rp_tage: 0, rp_beginn_datum: '0000-00-00', rp_ende_datum: '0000-00-00', rp_ende_status: '0', rp_exception: [] });
    }
    return;
  }
  const type = patch.rp_type ?? current?.rp_type ?? '';
  const interval = patch.rp_tage ?? current?.rp_tage ?? 0;
  const endStatus = patch.rp_ende_status ?? current?.rp_ende_status ?? '0';
  if (!REPEAT_TYPES.has(type)) throw invalidParameter('a recurring appointment (rp_flag) needs data.rp_type t, w, m or j');
  if (interval < 1) throw invalidParameter('a recurring appointment (rp_flag) needs data.rp_tage between 1 and 999');
  if (endStatus !== '1' && endStatus !== '2') throw invalidParameter('a recurring appointment (rp_flag) needs data.rp_ende_status 1 or 2');
  const beginDate = patch.rp_beginn_datum ?? (current !== undefined && current.rp_beginn_datum !== '0000-00-00' && patch.start_dt === undefined ? current.rp_beginn_datum : start.slice(0, 10));
  patch.rp_beginn_datum = beginDate;
  if (endStatus === '1') {
    const endDate = patch.rp_ende_datum ?? current?.rp_ende_datum ?? '0000-00-00';
    if (!isCalendarDate(endDate)) throw invalidParameter('rp_ende_status 1 needs data.rp_ende_datum YYYY-MM-DD');
    if (endDate < start.slice(0, 10)) throw invalidParameter(`data.rp_ende_datum ${endDate} is before the start date`);
  } else {
    patch.rp_ende_datum = '0000-00-00';
  }
}
