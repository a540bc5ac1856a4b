import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { createOnOfficeClient, type OnOfficeClientOptions } from '../../src/onoffice/onoffice-client.js';
import {
  OnOfficeActionError,
  OnOfficeAuthError,
  OnOfficeClockSkewError,
  OnOfficeProtocolError,
} from '../../src/onoffice/onoffice-errors.js';
import { rejection } from '../support/rejection.js';

/** The client against the emulator over real HTTP: signing, batching and error mapping end to end. */

let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator({ port: 0, appointments: 40, seed: 7 });
});

afterEach(async () => {
  await emulator.close();
});

function client(options: Partial<OnOfficeClientOptions> = {}) {
  return createOnOfficeClient({
    url: emulator.url,
    token: emulator.token,
    secret: emulator.secret,
    sleep: async () => {},
    ...options,
  });
}

function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

describe('onOffice client against the emulator', () => {
  it('is accepted with its signature and batches several reads into one HTTP request', async () => {
    const pages = await client().readCalendarBatch([
      { modifiedstart: '2000-01-01 00:00:00', modifiedend: formatUtc(Date.now() + 60_000), allusers: true, showcancelled: true },
      { datestart: '2000-01-01', dateend: '2000-01-02', allusers: true },
      { datestart: '1990-01-01', dateend: '2100-12-31', users: [53] },
    ]);
    expect(emulator.log.httpRequests).toBe(1);
    expect(emulator.log.actions).toBe(3);
    expect(emulator.log.received.map((a) => a.identifier)).toEqual(['a0', 'a1', 'a2']);
    const [all, none, someone] = pages;
    if (all instanceof OnOfficeActionError || none instanceof OnOfficeActionError || someone instanceof OnOfficeActionError) {
      throw new Error('a read failed');
    }
    expect(all!.records).toHaveLength(40);
    expect(all!.cntabsolute).toBe(40);
    expect(none!.records).toEqual([]);
    expect(someone!.records.length).toBeGreaterThan(0);
    for (const record of someone!.records) expect(record.elements.user_ids).toContain(53);
  });

  it('creates, reads, modifies, confirms and deletes an appointment, then reads it as gone', async () => {
    const onoffice = client();
    const id = await onoffice.createAppointment({
      data: { description: 'Besichtigung', start_dt: '2026-12-01 10:00:00', end_dt: '2026-12-01 11:00:00', note: 'Schlüssel' },
      subscribers: { users: [53, 55] },
    });
    expect(emulator.data.get(id)?.elements).toMatchObject({ description: 'Besichtigung', user_ids: [53, 55] });

    const created = await onoffice.readAppointment(id);
    expect(created).toMatchObject({ id, type: 'calendar', elements: { start_dt: '2026-12-01 10:00:00', note: 'Schlüssel' } });

    await onoffice.modifyAppointment(id, { data: { description: 'Notartermin' } });
    expect((await onoffice.readAppointment(id))?.elements.description).toBe('Notartermin');

    await onoffice.sendAppointmentConfirmation(id);
    expect(emulator.data.confirmations).toEqual([expect.objectContaining({ calendarId: id, useDefaultMailAccount: false })]);

    await onoffice.deleteAppointment(id);
    expect(emulator.data.has(id)).toBe(false);
    expect(await onoffice.readAppointment(id)).toBeNull();
    await onoffice.deleteAppointment(id);
  });

  it('answers 169 for an unknown appointment as OnOfficeActionError', async () => {
    const error = await rejection(client().modifyAppointment(999_999, { data: { note: 'x' } }));
    expect(error).toBeInstanceOf(OnOfficeActionError);
    expect(error).toMatchObject({ code: 169, action: 'modify calendar', resourceid: '999999' });
  });

  it('keeps the other actions of a batch when one fails', async () => {
    const pages = await client().readCalendarBatch([
      { datestart: '1990-01-01', dateend: '2100-12-31', allusers: true },
      { filter: { art: [{ op: '=', val: 'Besichtigung' }] }, allusers: true },
    ]);
    expect(pages[0]).not.toBeInstanceOf(OnOfficeActionError);
    expect(pages[1]).toBeInstanceOf(OnOfficeActionError);
    expect(pages[1]).toMatchObject({ code: 241, action: 'read calendar' });
  });

  it('lists the users', async () => {
    const users = await client().getUsers();
    expect(users).toContainEqual({ id: 53, username: 'aschmidt', firstname: 'Anna', lastname: 'Schmidt', email: 'anna.schmidt@emulator.invalid' });
  });

  it('throws OnOfficeAuthError naming the secret/HMAC for a wrong secret, without retrying', async () => {
    const error = await rejection(client({ secret: `${emulator.secret.slice(0, -1)}x` }).getUsers());
    expect(error).toBeInstanceOf(OnOfficeAuthError);
    expect(error).toMatchObject({ code: 137 });
    expect(error.message).toContain('secret/HMAC is wrong');
    expect(emulator.log.httpRequests).toBe(1);
  });

  it('throws OnOfficeAuthError naming the token and secret for a wrong token', async () => {
    const error = await rejection(client({ token: 'wrong-token-0000000000000000000x' }).getUsers());
    expect(error).toBeInstanceOf(OnOfficeAuthError);
    expect(error).toMatchObject({ code: 13 });
    expect(error.message).toContain('ONOFFICE_TOKEN / ONOFFICE_SECRET');
  });

  it('throws OnOfficeClockSkewError with the offset when the server clock is 10 minutes ahead', async () => {
    emulator.faults.clockOffsetSeconds = 600;
    const onoffice = client();
    const error = await rejection(onoffice.getUsers());
    expect(error).toBeInstanceOf(OnOfficeClockSkewError);
    const offset = (error as OnOfficeClockSkewError).offsetSeconds!;
    expect(Math.abs(offset - 600)).toBeLessThanOrEqual(2);
    expect(error.message).toContain('clock skew');
    expect(onoffice.lastClockOffsetSeconds()).toBe(offset);
  });

  it('measures the offset when our own clock is 10 minutes behind', async () => {
    const error = await rejection(client({ now: () => Date.now() - 600_000 }).getUsers());
    expect(error).toBeInstanceOf(OnOfficeClockSkewError);
    expect(Math.abs((error as OnOfficeClockSkewError).offsetSeconds! - 600)).toBeLessThanOrEqual(2);
  });

  it('retries HTTP 500 faults and then succeeds', async () => {
    emulator.faults.queueHttpStatus(500, 2);
    const users = await client().getUsers();
    expect(users.length).toBeGreaterThan(0);
    expect(emulator.log.httpRequests).toBe(3);
  });

  it('does not retry a truncated answer: the actions may have run', async () => {
    emulator.faults.malformedJsonRate = 1;
    const error = await rejection(client().createAppointment({ data: { start_dt: '2026-12-01 10:00:00', end_dt: '2026-12-01 11:00:00' } }));
    expect(error).toBeInstanceOf(OnOfficeProtocolError);
    expect(emulator.log.httpRequests).toBe(1);
    expect(emulator.data.size).toBe(41);
  });
});
