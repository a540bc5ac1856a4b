import { EMULATOR_API_USER_ID, findEmulatorUser, type EmulatorUser } from './emulator-users.js';

/** A user entry of `elements.users`, as the read docs show it (the id is a string there). */
export interface EmulatorRecordUser {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
}

/**
 * The `elements` of one appointment, every field present and typed as the read docs' response examples
 * show it. Wall times (start_dt, end_dt) are local to the emulator's zone; `modified` is UTC.
 */
export interface EmulatorElements {
  start_dt: string;
  end_dt: string;
  description: string;
  note: string;
  ort: string;
  /** `{label: label}`, or `[]` when the appointment has no type (PHP's empty array). */
  art: Record<string, string> | never[];
  /** "Lastname, Firstname (username)" for each explicitly added user. */
  fuer: string[];
  /** Ids of the groups added as participants (the docs only ever show it empty; the shape is a guess). */
  groups: number[];
  /** `{username: email}` of the explicit users, or `[]`. */
  emails: Record<string, string> | never[];
  /** Every participant: explicit users and the members of the added groups. */
  user_ids: number[];
  ressources: string[];
  ressourcesWithKeys: Record<string, string> | never[];
  /** One of the documented values ("15 minutes", "1 days", ...) or "" for no reminder. */
  erinnerung: string;
  ganztags: boolean;
  rp_flag: boolean;
  abgesagt: boolean;
  status: 'active' | 'completed' | 'canceled' | 'participantsAvailable';
  assignedaddressids: number[];
  assignedobjectids: number[];
  /** "" or t/w/m/j. */
  rp_type: string;
  rp_tage: number;
  rp_beginn_datum: string;
  rp_ende_datum: string;
  /** "0" no series, "1" ends on rp_ende_datum, "2" open-ended. */
  rp_ende_status: string;
  allowTransitTime: boolean;
  transitTime: string | null;
  transitTimePre: string;
  transitTimePost: string;
  /** Local dates 'YYYY-MM-DD' of left-out occurrences. */
  rp_exception: string[];
  ProjektNr: null;
  von: string;
  /** "0" or "1". */
  private: string;
  /** UTC 'YYYY-MM-DD HH:mm:ss'. */
  modified: string;
  users: EmulatorRecordUser[];
}

export interface EmulatorRecord {
  id: number;
  type: 'calendar';
  elements: EmulatorElements;
}

/** What a create/modify carried that a read does not return, kept so tests can check it arrived. */
export interface EmulatorRecordExtras {
  origin?: unknown;
  reminderTypes?: string[];
  location?: Record<string, unknown>;
}

export interface EmulatorConfirmation {
  calendarId: number;
  useDefaultMailAccount: boolean;
  /** UTC 'YYYY-MM-DD HH:mm:ss' at which the emulator "sent" it. */
  sentAt: string;
}

export interface StampOptions {
  /** UTC 'YYYY-MM-DD HH:mm:ss'; default: the emulator's clock. */
  modified?: string;
}

/** What `--data FILE` keeps: everything a restart must not lose. */
export interface EmulatorSnapshot {
  readonly version: 1;
  readonly nextId: number;
  readonly records: EmulatorRecord[];
  readonly extras: Array<[number, EmulatorRecordExtras]>;
  readonly confirmations: EmulatorConfirmation[];
  readonly departedUserIds: number[];
}

export class EmulatorRecordNotFoundError extends Error {
  override readonly name = 'EmulatorRecordNotFoundError';
  constructor(readonly id: number) {
    super(`emulator: no appointment with id ${id}; list the ids with emulator.data.list()`);
  }
}

const NO_DATE = '0000-00-00';

/** Formats epoch milliseconds as onOffice's UTC 'YYYY-MM-DD HH:mm:ss'. */
export function formatUtcTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The read-response fields derived from the explicitly added users. */
export function describeUsers(users: readonly EmulatorUser[]): Pick<EmulatorElements, 'users' | 'fuer' | 'emails'> {
  return {
    users: users.map((user) => ({
      id: String(user.id),
      username: user.username,
      firstName: user.firstName,
      lastName: user.lastName,
      email: user.email,
    })),
    fuer: users.map((user) => `${user.lastName}, ${user.firstName} (${user.username})`),
    emails: users.length === 0 ? [] : Object.fromEntries(users.map((user) => [user.username, user.email])),
  };
}

/** The defaults a fresh appointment gets, as the docs' examples show an empty field. */
function createDefaultElements(modified: string): EmulatorElements {
  return {
    start_dt: '',
    end_dt: '',
    description: '',
    note: '',
    ort: '',
    art: [],
    fuer: [],
    groups: [],
    emails: [],
    user_ids: [],
    ressources: [],
    ressourcesWithKeys: [],
    erinnerung: '',
    ganztags: false,
    rp_flag: false,
    abgesagt: false,
    status: 'active',
    assignedaddressids: [],
    assignedobjectids: [],
    rp_type: '',
    rp_tage: 0,
    rp_beginn_datum: NO_DATE,
    rp_ende_datum: NO_DATE,
    rp_ende_status: '0',
    allowTransitTime: false,
    transitTime: null,
    transitTimePre: '00:00:00',
    transitTimePost: '00:00:00',
    rp_exception: [],
    ProjektNr: null,
    von: findEmulatorUser(EMULATOR_API_USER_ID)?.username ?? '',
    private: '0',
    modified,
    users: [],
  };
}

/**
 * Fills the fields a partial insert left out but that follow from what it gave: `users`/`fuer`/`emails`
 * from user_ids when only ids were given, ressourcesWithKeys from ressources.
 */
function completeDerivedFields(partial: Partial<EmulatorElements>, elements: EmulatorElements): void {
  if (partial.user_ids !== undefined && partial.users === undefined) {
    const known = elements.user_ids.map((id) => findEmulatorUser(id)).filter((user): user is EmulatorUser => user !== undefined);
    Object.assign(elements, describeUsers(known));
  }
  if (partial.ressources !== undefined && partial.ressourcesWithKeys === undefined) {
    elements.ressourcesWithKeys =
      elements.ressources.length === 0 ? [] : Object.fromEntries(elements.ressources.map((name) => [name, name]));
  }
}

/**
 * The emulator's in-memory appointment table. onOffice keeps no tombstones, so remove() forgets a record
 * entirely: a client can only notice a deletion by reading the record by id (error 169) or by a full scan.
 */
export class EmulatorDatabase {
  readonly #records = new Map<number, EmulatorRecord>();
  readonly #extras = new Map<number, EmulatorRecordExtras>();
  readonly #now: () => number;
  #nextId = 1;
  /** Every appointment confirmation `do appointmentAffirmation` "sent", in order. */
  readonly confirmations: EmulatorConfirmation[] = [];
  /** Users who left the agency: `get users` no longer lists them (their appointments stay). */
  readonly departedUserIds = new Set<number>();

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#records.size;
  }

  /** Copies of all records, by id. */
  list(): EmulatorRecord[] {
    return [...this.#records.values()].map((record) => structuredClone(record));
  }

  /** A copy of one record, or undefined. */
  get(id: number): EmulatorRecord | undefined {
    const record = this.#records.get(id);
    return record === undefined ? undefined : structuredClone(record);
  }

  has(id: number): boolean {
    return this.#records.has(id);
  }

  /** The live records without copying, for the server's read path; callers must not change them. */
  scan(): IterableIterator<Readonly<EmulatorRecord>> {
    return this.#records.values();
  }

  extrasOf(id: number): EmulatorRecordExtras | undefined {
    const extras = this.#extras.get(id);
    return extras === undefined ? undefined : structuredClone(extras);
  }

  /** Adds an appointment; every field it leaves out gets the docs' default. Returns the new id. */
  insert(partial: Partial<EmulatorElements>, options: StampOptions = {}): number {
    const id = this.#nextId;
    this.#nextId += 1;
    const elements = { ...createDefaultElements(this.#stamp()), ...structuredClone(partial) };
    completeDerivedFields(partial, elements);
    if (options.modified !== undefined) elements.modified = options.modified;
    this.#records.set(id, { id, type: 'calendar', elements });
    return id;
  }

  insertMany(partials: readonly Partial<EmulatorElements>[], options: StampOptions = {}): number[] {
    return partials.map((partial) => this.insert(partial, options));
  }

  /** Changes fields of an appointment and bumps `modified` (to options.modified, else now). */
  update(id: number, patch: Partial<EmulatorElements>, options: StampOptions = {}): EmulatorRecord {
    const record = this.#records.get(id);
    if (record === undefined) throw new EmulatorRecordNotFoundError(id);
    Object.assign(record.elements, structuredClone(patch));
    completeDerivedFields(patch, record.elements);
    record.elements.modified = options.modified ?? this.#stamp();
    return structuredClone(record);
  }

  /** Cancels the way onOffice shows it: abgesagt true and status canceled; bumps `modified`. */
  cancel(id: number, options: StampOptions = {}): EmulatorRecord {
    return this.update(id, { abgesagt: true, status: 'canceled' }, options);
  }

  /** Hard delete. Returns whether the record existed. */
  remove(id: number): boolean {
    this.#extras.delete(id);
    return this.#records.delete(id);
  }

  setExtras(id: number, extras: EmulatorRecordExtras): void {
    this.#extras.set(id, { ...this.#extras.get(id), ...structuredClone(extras) });
  }

  recordConfirmation(calendarId: number, useDefaultMailAccount: boolean): void {
    this.confirmations.push({ calendarId, useDefaultMailAccount, sentAt: this.#stamp() });
  }

  snapshot(): EmulatorSnapshot {
    return {
      version: 1,
      nextId: this.#nextId,
      records: this.list(),
      extras: [...this.#extras].map(([id, extras]) => [id, structuredClone(extras)]),
      confirmations: structuredClone(this.confirmations),
      departedUserIds: [...this.departedUserIds],
    };
  }

  /** Replaces everything with a snapshot's content. */
  restore(snapshot: EmulatorSnapshot): void {
    this.#records.clear();
    this.#extras.clear();
    for (const record of snapshot.records) this.#records.set(record.id, structuredClone(record));
    for (const [id, extras] of snapshot.extras) this.#extras.set(id, structuredClone(extras));
    this.confirmations.splice(0, this.confirmations.length, ...structuredClone(snapshot.confirmations));
    this.departedUserIds.clear();
    for (const id of snapshot.departedUserIds) this.departedUserIds.add(id);
    this.#nextId = Math.max(snapshot.nextId, ...snapshot.records.map((record) => record.id + 1), 1);
  }

  #stamp(): string {
    return formatUtcTimestamp(this.#now());
  }
}
