import { describe, expect, it } from 'vitest';
import { createAppointmentSource } from '../../src/app/create-appointment-source.js';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import { hashAppointmentRecord } from '../../src/domain/hash-appointment-record.js';
import { EmulatorDatabase } from '../../src/emulator/emulator-database.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { openStateStore } from '../../src/store/open-state-store.js';

const ZONE = 'Europe/Berlin';

describe('the appointment source', () => {
  it('reads a group in one call as getAppointment and getRevision read each id, in the order asked', () => {
    const store = openStateStore(':memory:');
    const emulator = new EmulatorDatabase();
    emulator.insertMany(generateAppointments({ count: 8, seed: 5 }));
    // What the API answers, as the poller stores it (the emulator's elements are the wire format).
    const records = [...emulator.scan()].map((record) => structuredClone(record) as unknown as AppointmentRecord);
    const upsert = (record: AppointmentRecord) => ({ record, hash: hashAppointmentRecord(record), outcome: parseAppointment(record, ZONE) });
    store.appointments.upsertRecords(records.map(upsert));
    const [first, second, third] = records.map((record) => Number(record.id));
    // A content change gives one of them revision 1; another is deleted (absent for the push).
    const changed = { ...records[1]!, elements: { ...records[1]!.elements, description: 'Besichtigung, verlegt' } };
    store.appointments.upsertRecords([upsert(changed)]);
    store.appointments.markDeleted([third!]);
    const source = createAppointmentSource(store, ZONE);
    const ids = [second!, 999_999, third!, first!];

    const group = source.getMany(ids);

    expect(group.map((entry) => entry.id)).toEqual(ids);
    expect(group.map((entry) => entry.revision)).toEqual([1, 0, 0, 0]);
    expect(group.map((entry) => entry.appointment === null)).toEqual([false, true, true, false]);
    expect(group).toEqual(ids.map((id) => ({ id, appointment: source.getAppointment(id), revision: source.getRevision(id) })));
    expect(group[0]!.appointment!.summary).toBe('Besichtigung, verlegt');
    expect(source.getMany([])).toEqual([]);
    store.close();
  });
});
