import { ACTION_ERROR, EmulatorActionError, invalidParameter } from './emulator-action-error.js';
import type { EmulatorRecord } from './emulator-database.js';
import { EMULATOR_API_USER_ID, findEmulatorGroup, listGroupIdsOf } from './emulator-users.js';
import { isPlainObject, parseCalendarDate, parseDateTime, parseFlag, parseIdList } from './parse-action-values.js';

/**
 * `read calendar` without a resourceid, as the docs describe it. Where the docs are silent:
 * - A period needs both datestart and dateend; one without the other is an error rather than a guess.
 * - A period matches an appointment whose [start_dt date, end_dt date] overlaps [datestart, dateend],
 *   both inclusive. A recurring series is matched by its own start_dt/end_dt (its first occurrence), not
 *   by later occurrences: a client that wants a series must not rely on a period reaching it.
 * - modifiedstart/modifiedend are UTC and both inclusive; a bare date means the whole day. They are
 *   ignored when datestart and dateend are both given (documented).
 * - `filter` narrows a period or a modified window alike: the docs restrict only modifiedstart/modifiedend
 *   (ignored beside a period), not the filter. A filter with neither, a read of the whole database, is
 *   refused with 241 (the emulator's pick; the docs name no code for it).
 * - `users`/`groups` are documented to "work only with datestart/dateend"; the emulator applies them in
 *   every mode, so a client asking for some users never silently gets more. `allusers: true` wins over
 *   both and also returns appointments without any participant.
 * - A group matches an appointment when any member of the group is in its user_ids.
 * - Without users, groups and allusers: the API user (EMULATOR_API_USER_ID) and his groups.
 * - Filter comparisons on text are case-insensitive, like MySQL's default collation.
 * - showConfirmationStatus and showConflicts are accepted and not emulated.
 */

type FilterField = 'start_dt' | 'end_dt' | 'rp_flag' | 'description' | 'von' | 'erledigt' | 'note' | 'art';
const FILTER_FIELDS: readonly FilterField[] = ['start_dt', 'end_dt', 'rp_flag', 'description', 'von', 'erledigt', 'note', 'art'];
const NUMERIC_FIELDS = new Set<FilterField>(['rp_flag', 'erledigt']);

type Scalar = string | number;
type FilterExpression =
  | { field: FilterField; op: '=' | '!=' | '>' | '<' | '>=' | '<=' | 'like' | 'not like'; value: Scalar }
  | { field: FilterField; op: 'between'; from: Scalar; to: Scalar }
  | { field: FilterField; op: 'in' | 'not in'; values: Scalar[] };

const OPERATORS: Record<string, FilterExpression['op']> = {
  is: '=',
  '=': '=',
  '!=': '!=',
  '<>': '!=',
  '>': '>',
  '<': '<',
  '>=': '>=',
  '<=': '<=',
  between: 'between',
  like: 'like',
  'not like': 'not like',
  in: 'in',
  'not in': 'not in',
};

export interface AppointmentQuery {
  readonly period?: { readonly start: string; readonly end: string };
  readonly modified?: { readonly start?: string; readonly end?: string };
  readonly showCancelled: boolean;
  /** undefined: everyone, including appointments without participants. */
  readonly userIds?: ReadonlySet<number>;
  readonly filters: readonly FilterExpression[];
}

const READ_PARAMETERS = new Set([
  'datestart',
  'dateend',
  'modifiedstart',
  'modifiedend',
  'showcancelled',
  'showConfirmationStatus',
  'users',
  'groups',
  'allusers',
  'showConflicts',
  'filter',
]);

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

export function parseAppointmentQuery(parameters: Record<string, unknown>): AppointmentQuery {
  for (const key of Object.keys(parameters)) {
    if (!READ_PARAMETERS.has(key)) {
      throw invalidParameter(`read calendar has no parameter ${JSON.stringify(key)}; documented: ${[...READ_PARAMETERS].join(', ')}`);
    }
  }
  const { datestart, dateend, modifiedstart, modifiedend } = parameters;
  if (isGiven(datestart) !== isGiven(dateend)) {
    throw invalidParameter('datestart and dateend must be given together');
  }
  const period = isGiven(datestart)
    ? {
        start: parseCalendarDate(String(datestart).slice(0, 10), 'datestart'),
        end: parseCalendarDate(String(dateend).slice(0, 10), 'dateend'),
      }
    : undefined;
  const modified =
    period === undefined && (isGiven(modifiedstart) || isGiven(modifiedend))
      ? {
          ...(isGiven(modifiedstart) ? { start: parseDateTime(modifiedstart, 'modifiedstart', 'start') } : {}),
          ...(isGiven(modifiedend) ? { end: parseDateTime(modifiedend, 'modifiedend', 'end') } : {}),
        }
      : undefined;
  const filters = parameters.filter === undefined ? [] : parseFilter(parameters.filter);
  if (filters.length > 0 && period === undefined && modified === undefined) {
    throw new EmulatorActionError(ACTION_ERROR.filterWithoutPeriod, 'filter without date period or modified window: give datestart and dateend, or modifiedstart/modifiedend');
  }
  return {
    ...(period === undefined ? {} : { period }),
    ...(modified === undefined ? {} : { modified }),
    showCancelled: parameters.showcancelled === undefined ? false : parseFlag(parameters.showcancelled, 'showcancelled'),
    ...parseParticipants(parameters),
    filters,
  };
}

function parseParticipants(parameters: Record<string, unknown>): { userIds?: ReadonlySet<number> } {
  if (parameters.allusers !== undefined && parseFlag(parameters.allusers, 'allusers')) return {};
  const users = parameters.users === undefined ? [] : parseIdList(parameters.users, 'users');
  const groups = parameters.groups === undefined ? [] : parseIdList(parameters.groups, 'groups');
  if (users.length === 0 && groups.length === 0) {
    users.push(EMULATOR_API_USER_ID);
    groups.push(...listGroupIdsOf(EMULATOR_API_USER_ID));
  }
  const userIds = new Set(users);
  for (const groupId of groups) {
    const group = findEmulatorGroup(groupId);
    if (group === undefined) throw invalidParameter(`groups: no group with id ${groupId}`);
    for (const member of group.userIds) userIds.add(member);
  }
  return { userIds };
}

function parseScalar(value: unknown, field: FilterField): Scalar {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return NUMERIC_FIELDS.has(field) && /^\d+$/.test(value) ? Number(value) : value;
  throw invalidParameter(`filter ${field}: val must be a string, number or boolean, got ${JSON.stringify(value)}`);
}

function parseFilter(filter: unknown): FilterExpression[] {
  if (!isPlainObject(filter)) throw invalidParameter('filter must be an object {field: [{op, val}]}');
  const expressions: FilterExpression[] = [];
  for (const [key, list] of Object.entries(filter)) {
    const field = FILTER_FIELDS.find((candidate) => candidate === key);
    if (field === undefined) throw invalidParameter(`filter: ${JSON.stringify(key)} is not filterable; documented: ${FILTER_FIELDS.join(', ')}`);
    if (!Array.isArray(list)) throw invalidParameter(`filter ${field} must be an array of {op, val}`);
    for (const item of list) {
      if (!isPlainObject(item) || typeof item.op !== 'string') throw invalidParameter(`filter ${field}: each expression needs an op`);
      const op = OPERATORS[item.op.trim().toLowerCase().replace(/\s+/g, ' ')];
      if (op === undefined) throw invalidParameter(`filter ${field}: unknown operator ${JSON.stringify(item.op)}`);
      const val = item.val;
      if (op === 'between') {
        if (!Array.isArray(val) || val.length !== 2) throw invalidParameter(`filter ${field}: between needs val [from, to]`);
        expressions.push({ field, op, from: parseScalar(val[0], field), to: parseScalar(val[1], field) });
      } else if (op === 'in' || op === 'not in') {
        // The docs use an array; a comma-separated string is accepted as PHP's explode would read it.
        const values = typeof val === 'string' ? val.split(',') : val;
        if (!Array.isArray(values) || values.length === 0) throw invalidParameter(`filter ${field}: ${op} needs a non-empty array val`);
        expressions.push({ field, op, values: values.map((value: unknown) => parseScalar(value, field)) });
      } else {
        expressions.push({ field, op, value: parseScalar(val, field) });
      }
    }
  }
  return expressions;
}

function fieldValue(elements: Readonly<EmulatorRecord['elements']>, field: FilterField): Scalar {
  switch (field) {
    case 'rp_flag':
      return elements.rp_flag ? 1 : 0;
    case 'erledigt':
      return elements.status === 'completed' ? 1 : 0;
    case 'art':
      return Array.isArray(elements.art) ? '' : (Object.keys(elements.art)[0] ?? '');
    default:
      return elements[field];
  }
}

function compare(left: Scalar, right: Scalar): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const a = String(left).toLowerCase();
  const b = String(right).toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function likeToRegExp(pattern: string): RegExp {
  const source = [...pattern]
    .map((char) => (char === '%' ? '.*' : char === '_' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'is');
}

function matchesExpression(value: Scalar, expression: FilterExpression): boolean {
  switch (expression.op) {
    case '=':
      return compare(value, expression.value) === 0;
    case '!=':
      return compare(value, expression.value) !== 0;
    case '>':
      return compare(value, expression.value) > 0;
    case '<':
      return compare(value, expression.value) < 0;
    case '>=':
      return compare(value, expression.value) >= 0;
    case '<=':
      return compare(value, expression.value) <= 0;
    case 'like':
      return likeToRegExp(String(expression.value)).test(String(value));
    case 'not like':
      return !likeToRegExp(String(expression.value)).test(String(value));
    case 'between':
      return compare(value, expression.from) >= 0 && compare(value, expression.to) <= 0;
    case 'in':
      return expression.values.some((candidate) => compare(value, candidate) === 0);
    case 'not in':
      return expression.values.every((candidate) => compare(value, candidate) !== 0);
  }
}

function isCancelled(elements: Readonly<EmulatorRecord['elements']>): boolean {
  return elements.abgesagt || elements.status === 'canceled';
}

function matchesQuery(record: Readonly<EmulatorRecord>, query: AppointmentQuery): boolean {
  const elements = record.elements;
  if (!query.showCancelled && isCancelled(elements)) return false;
  if (query.period !== undefined) {
    const startDate = elements.start_dt.slice(0, 10);
    const endDate = (elements.end_dt || elements.start_dt).slice(0, 10);
    if (startDate > query.period.end || endDate < query.period.start) return false;
  }
  if (query.modified?.start !== undefined && elements.modified < query.modified.start) return false;
  if (query.modified?.end !== undefined && elements.modified > query.modified.end) return false;
  const userIds = query.userIds;
  if (userIds !== undefined && !elements.user_ids.some((id) => userIds.has(id))) return false;
  return query.filters.every((expression) => matchesExpression(fieldValue(elements, expression.field), expression));
}

/** Every record the query matches, in table order. */
export function selectAppointments(records: Iterable<Readonly<EmulatorRecord>>, query: AppointmentQuery): Readonly<EmulatorRecord>[] {
  const matches: Readonly<EmulatorRecord>[] = [];
  for (const record of records) if (matchesQuery(record, query)) matches.push(record);
  return matches;
}

/** Ordered by start_dt, then id, as the docs' examples list them. */
export function sortByStart<T extends Readonly<EmulatorRecord>>(records: T[]): T[] {
  return records.sort((a, b) => (a.elements.start_dt < b.elements.start_dt ? -1 : a.elements.start_dt > b.elements.start_dt ? 1 : a.id - b.id));
}
