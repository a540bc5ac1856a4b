import { describe, expect, it } from 'vitest';
import { EmulatorDatabase, EmulatorRecordNotFoundError } from '../../src/emulator/emulator-database.js';

describe('EmulatorDatabase', () => {
  let clock = Date.UTC(2026, 0, 2, 3, 4, 5);
  const data = new EmulatorDatabase({ now: () => clock });

  it('inserts with the docs defaults and stamps modified in UTC', () => {
    const id = data.insert({ start_dt: '2026-03-29 01:30:00', end_dt: '2026-03-29 03:30:00', user_ids: [19] });
    const record = data.get(id);
    expect(record).toMatchObject({ id, type: 'calendar' });
    expect(record?.elements).toMatchObject({
      art: [],
      emails: { jkoehler: 'joerg.koehler@emulator.invalid' },
      users: [{ id: '19', username: 'jkoehler' }],
      rp_beginn_datum: '0000-00-00',
      rp_ende_status: '0',
      transitTime: null,
      ProjektNr: null,
      private: '0',
      modified: '2026-01-02 03:04:05',
    });
    expect(data.insert({ start_dt: 'x', end_dt: 'y' }, { modified: '2020-01-01 00:00:00' })).toBe(id + 1);
    expect(data.get(id + 1)?.elements.modified).toBe('2020-01-01 00:00:00');
    expect(data.size).toBe(2);
  });

  it('updates and cancels with a bumped modified, and hands out copies', () => {
    clock += 61_000;
    const copy = data.get(1);
    if (copy) copy.elements.description = 'changed only in the copy';
    expect(data.get(1)?.elements.description).toBe('');
    data.update(1, { description: 'Neu' });
    expect(data.get(1)?.elements).toMatchObject({ description: 'Neu', modified: '2026-01-02 03:05:06' });
    data.update(1, { note: 'x' }, { modified: '2026-01-01 00:00:00' });
    expect(data.get(1)?.elements.modified).toBe('2026-01-01 00:00:00');
    clock += 1000;
    data.cancel(1);
    expect(data.get(1)?.elements).toMatchObject({ abgesagt: true, status: 'canceled', modified: '2026-01-02 03:05:07' });
    expect(() => data.update(99, {})).toThrow(EmulatorRecordNotFoundError);
  });

  it('removes for good and keeps counting ids upwards', () => {
    expect(data.remove(1)).toBe(true);
    expect(data.remove(1)).toBe(false);
    expect(data.get(1)).toBeUndefined();
    expect(data.insertMany([{ start_dt: 'a', end_dt: 'b' }, { start_dt: 'c', end_dt: 'd' }])).toEqual([3, 4]);
    expect(data.list().map((record) => record.id)).toEqual([2, 3, 4]);
  });
});
