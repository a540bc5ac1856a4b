import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import { hashAppointmentRecord } from '../../src/domain/hash-appointment-record.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const record = (elements: unknown): AppointmentRecord => ({ id: 7, type: 'calendar', elements } as AppointmentRecord);

describe('hashAppointmentRecord', () => {
  it('hashes the elements as JSON with keys sorted at every depth, array order kept and undefined left out', () => {
    const elements = { note: 'ü', art: [{ z: 1, a: null }, 'x'], empty: {}, gone: undefined, '10': 1, '9': 2 };
    expect(hashAppointmentRecord(record(elements))).toBe(sha256('{"10":1,"9":2,"art":[{"a":null,"z":1},"x"],"empty":{},"note":"ü"}'));
  });

  it('gives the same hash whatever records came before it (keys another record had do not show)', () => {
    const plain = { b: 1, a: { d: 2, c: 3 } };
    const before = hashAppointmentRecord(record(plain));
    hashAppointmentRecord(record({ aa: 1, c: { b: 2, zz: [{ q: 1 }] }, constructor: 'x', toString: 'y' }));
    expect(hashAppointmentRecord(record(plain))).toBe(before);
    expect(before).toBe(sha256('{"a":{"c":3,"d":2},"b":1}'));
  });

  it('reads a __proto__ key as the record says, not from the prototype', () => {
    const elements = JSON.parse('{"b":{"x":1},"__proto__":{"y":2}}') as unknown;
    expect(hashAppointmentRecord(record(elements))).toBe(sha256('{"__proto__":{"y":2},"b":{"x":1}}'));
    // A record without that key, read after it, is not given one.
    expect(hashAppointmentRecord(record({ b: { x: 1 } }))).toBe(sha256('{"b":{"x":1}}'));
  });

  it('hashes a record without elements as null', () => {
    expect(hashAppointmentRecord({ id: 1, type: 'calendar' } as AppointmentRecord)).toBe(sha256('null'));
  });
});
