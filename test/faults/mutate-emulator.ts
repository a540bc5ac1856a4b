import type { SeededRandom } from '../../src/emulator/create-seeded-random.js';
import { formatUtcTimestamp, type EmulatorElements } from '../../src/emulator/emulator-database.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';

export interface Mutation {
  modify: number;
  cancel: number;
  remove: number;
  add: number;
  /** Seed of the added appointments. */
  seed: number;
}

/** Adds appointments as onOffice would: `modified` is now (the generator dates them in its past). */
export function insertFresh(emulator: Emulator, partials: readonly Partial<EmulatorElements>[]): number[] {
  return emulator.data.insertMany(partials, { modified: formatUtcTimestamp(Date.now()) });
}

const shiftHour = (wallTime: string, hours: number): string => {
  const hour = Number(wallTime.slice(11, 13)) + hours;
  return `${wallTime.slice(0, 11)}${String(hour).padStart(2, '0')}${wallTime.slice(13)}`;
};

/**
 * Changes the emulator the way users do between two syncs, chosen by `random`: retitles (and, for plain
 * timed appointments away from the night hours, moves by an hour), cancels, hard-deletes and adds.
 * Returns how many CalDAV writes the change asks for at most.
 */
export function mutateEmulator(emulator: Emulator, random: SeededRandom, mutation: Mutation): number {
  const active = random.shuffle(emulator.data.list().filter((record) => !record.elements.abgesagt));
  let index = 0;
  const take = (count: number) => {
    const chosen = active.slice(index, index + count);
    index += count;
    return chosen;
  };
  for (const record of take(mutation.modify)) {
    const { elements } = record;
    const patch: Record<string, unknown> = { description: `${elements.description.replace(/ \(v\d+\)$/, '')} (v${mutation.seed})` };
    const startHour = Number(elements.start_dt.slice(11, 13));
    const endHour = Number(elements.end_dt.slice(11, 13));
    const sameDay = elements.start_dt.slice(0, 10) === elements.end_dt.slice(0, 10);
    if (!elements.ganztags && !elements.rp_flag && sameDay && startHour >= 6 && endHour <= 21) {
      patch.start_dt = shiftHour(elements.start_dt, 1);
      patch.end_dt = shiftHour(elements.end_dt, 1);
    }
    emulator.data.update(record.id, patch);
  }
  for (const record of take(mutation.cancel)) emulator.data.cancel(record.id);
  for (const record of take(mutation.remove)) emulator.data.remove(record.id);
  insertFresh(emulator, generateAppointments({ count: mutation.add, seed: 10_000 + mutation.seed }));
  return mutation.modify + mutation.cancel + mutation.remove + mutation.add;
}
