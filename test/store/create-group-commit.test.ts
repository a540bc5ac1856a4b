import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/store/create-group-commit.js';
import { rejection } from '../support/rejection.js';

/** A table and a group commit over it, flushed when the test says (`flush`), its transactions counted. */
function setUp() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v TEXT NOT NULL UNIQUE)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const scheduled: Array<() => void> = [];
  let transactions = 0;
  const group = createGroupCommit(
    (work) => {
      transactions += 1;
      db.transaction(work)();
    },
    (flush) => scheduled.push(flush),
  );
  const flush = (): void => {
    for (const run of scheduled.splice(0)) run();
  };
  const rows = (): string[] => (db.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: string }>).map((row) => row.v);
  return { group, insert, flush, rows, transactions: () => transactions };
}

describe('createGroupCommit', () => {
  it('commits the writes queued before a flush in one transaction and resolves each with its result', async () => {
    const { group, insert, flush, rows, transactions } = setUp();
    const results = ['a', 'b', 'c'].map((value) => group.commit(() => Number(insert.run(value).lastInsertRowid)));
    expect(rows()).toEqual([]);
    flush();
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect(rows()).toEqual(['a', 'b', 'c']);
    expect(transactions()).toBe(1);
    // A write queued after the flush goes into the next group.
    const later = group.commit(() => insert.run('d'));
    flush();
    await later;
    expect(transactions()).toBe(2);
  });

  it('rolls a group back whole when one of its writes throws, rejects every promise of it, and leaves the next group alone', async () => {
    const { group, insert, flush, rows } = setUp();
    insert.run('taken');
    const first = group.commit(() => insert.run('x'));
    const failing = group.commit(() => insert.run('taken'));
    flush();
    const [firstError, failingError] = await Promise.all([rejection(first), rejection(failing)]);
    expect(failingError.message).toMatch(/UNIQUE/);
    expect(firstError).toBe(failingError);
    expect(rows()).toEqual(['taken']);
    const next = group.commit(() => insert.run('y'));
    flush();
    await next;
    expect(rows()).toEqual(['taken', 'y']);
  });

  it('flushes by default once the I/O callbacks of the turn have run (setImmediate)', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v TEXT)');
    let transactions = 0;
    const group = createGroupCommit((work) => {
      transactions += 1;
      db.transaction(work)();
    });
    await Promise.all([group.commit(() => db.prepare("INSERT INTO t VALUES ('1')").run()), group.commit(() => db.prepare("INSERT INTO t VALUES ('2')").run())]);
    expect(transactions).toBe(1);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
  });
});
