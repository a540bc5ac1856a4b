/**
 * The fixed set of onOffice users and groups the emulator knows. Generated appointments, `subscribers`,
 * the `users`/`groups` read parameters and `get users` all draw on these.
 */

export interface EmulatorUser {
  readonly id: number;
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly meetingUrl: string;
}

export interface EmulatorGroup {
  readonly id: number;
  readonly name: string;
  readonly abr: string;
  readonly userIds: readonly number[];
  readonly groupType: 'GroupOffice' | 'GroupRegion' | 'GroupGeneral';
  readonly leaders: readonly number[];
}

export const EMULATOR_USERS: readonly EmulatorUser[] = [
  { id: 53, username: 'aschmidt', firstName: 'Anna', lastName: 'Schmidt', email: 'anna.schmidt@emulator.invalid', meetingUrl: '' },
  { id: 55, username: 'bmueller', firstName: 'Bernd', lastName: 'Müller', email: 'bernd.mueller@emulator.invalid', meetingUrl: '' },
  { id: 17, username: 'theotest', firstName: 'Theo', lastName: 'Test', email: 'theo.test@emulator.invalid', meetingUrl: 'https://meet.emulator.invalid/theo' },
  { id: 19, username: 'jkoehler', firstName: 'Jörg', lastName: 'Köhler', email: 'joerg.koehler@emulator.invalid', meetingUrl: '' },
  { id: 21, username: 'lweiss', firstName: 'Lena', lastName: 'Weiß', email: 'lena.weiss@emulator.invalid', meetingUrl: '' },
  { id: 25, username: 'paulprobe', firstName: 'Paul', lastName: 'Probe', email: 'paul.probe@emulator.invalid', meetingUrl: '' },
];

export const EMULATOR_GROUPS: readonly EmulatorGroup[] = [
  { id: 225, name: 'Büro Aachen', abr: 'AC', userIds: [53, 55, 17], groupType: 'GroupOffice', leaders: [53] },
  { id: 231, name: 'Büro Köln', abr: 'K', userIds: [19, 21, 25], groupType: 'GroupOffice', leaders: [] },
];

/**
 * The user the emulator's API token belongs to. The docs say a read without `users`, `groups` and
 * `allusers` returns "the appointments of the logged-in user and his groups"; in the emulator that is
 * read as `users: [this id]` plus `groups:` every group he is a member of (225).
 */
export const EMULATOR_API_USER_ID = 53;

export function findEmulatorUser(id: number): EmulatorUser | undefined {
  return EMULATOR_USERS.find((user) => user.id === id);
}

export function findEmulatorGroup(id: number): EmulatorGroup | undefined {
  return EMULATOR_GROUPS.find((group) => group.id === id);
}

export function listGroupIdsOf(userId: number): number[] {
  return EMULATOR_GROUPS.filter((group) => group.userIds.includes(userId)).map((group) => group.id);
}
