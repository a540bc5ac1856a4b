import { describe, expect, it } from 'vitest';
import { createProgressLogDestination, createProgressReporter, formatDuration, labelProgress } from '../../src/cli/create-progress-reporter.js';
import { createPushProgress } from '../../src/push/create-push-progress.js';
import type { SyncPlan } from '../../src/push/plan-sync.js';

/**
 * A terminal that both stdout and stderr write to: carriage return, clear line (ESC[2K) and newline
 * act as a real one does, so the test sees the lines a person would see.
 */
function createFakeTerminal(columns = 100) {
  const lines: string[] = [''];
  let raw = '';
  const write = (text: string): boolean => {
    raw += text;
    for (const token of text.split(/(\r|\n|\x1b\[2K)/)) {
      if (token === '\r') continue;
      if (token === '\n') lines.push('');
      else if (token === '\x1b[2K') lines[lines.length - 1] = '';
      else lines[lines.length - 1] += token;
    }
    return true;
  };
  const stream = { isTTY: true, columns, write };
  return { stderr: stream, stdout: stream, lines, raw: () => raw };
}

function createPlainStream() {
  let text = '';
  return { stream: { isTTY: false, write: (chunk: string) => (text += chunk) }, text: () => text };
}

function createClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('createProgressReporter on a terminal', () => {
  it('moves per object with rate and ETA, redrawn in place, and leaves a summary line', () => {
    const terminal = createFakeTerminal();
    const clock = createClock();
    const progress = createProgressReporter({ stream: terminal.stderr, now: clock.now, redrawMs: 0 });
    const seen: string[] = [];
    for (let done = 0; done <= 950; done++) {
      progress.report({ phase: 'push default', done, total: 950 });
      seen.push(terminal.lines.at(-1)!);
      clock.advance(100);
    }
    // Every object shows: no steps of 500.
    expect(new Set(seen).size).toBe(951);
    expect(seen[475]).toBe('push default  [##########..........]  475/950  50%  10.0/s  ETA 48 s');
    expect(seen[1]).toMatch(/^push default {2}\[\.{20}\] {2}1\/950 {2}0% {2}10\.0\/s {2}ETA 1:35$/);
    progress.finish();
    expect(terminal.lines).toEqual(['push default  [####################]  950/950  100%  10.0/s  in 1:35', '']);
  });

  it('redraws at most every redrawMs but always draws the last object', () => {
    const terminal = createFakeTerminal();
    const clock = createClock();
    const progress = createProgressReporter({ stream: terminal.stderr, now: clock.now, redrawMs: 100 });
    for (let done = 1; done <= 100; done++) {
      clock.advance(10);
      progress.report({ phase: 'push default', done, total: 100 });
    }
    const draws = terminal.raw().split('\r\x1b[2K').length - 1;
    expect(draws).toBe(11);
    expect(terminal.lines.at(-1)).toMatch(/100\/100 {2}100%/);
  });

  it('fits the line to the terminal width', () => {
    const terminal = createFakeTerminal(40);
    const clock = createClock();
    const progress = createProgressReporter({ stream: terminal.stderr, now: clock.now, redrawMs: 0 });
    clock.advance(1000);
    progress.report({ phase: 'push a-target-with-a-long-name', done: 5, total: 1000 });
    expect(terminal.lines.at(-1)!.length).toBeLessThanOrEqual(39);
    expect(terminal.lines.at(-1)).toMatch(/…$/);
  });

  it('takes a terminal that reports no width as 80 columns', () => {
    const terminal = createFakeTerminal(0);
    const progress = createProgressReporter({ stream: terminal.stderr, now: createClock().now, redrawMs: 0 });
    progress.report({ phase: 'push default', done: 5, total: 1000 });
    expect(terminal.lines.at(-1)).toBe('push default  [....................]  5/1000  0%');
  });

  it('never puts a log line on the progress line: the log clears it and it is drawn again below', () => {
    const terminal = createFakeTerminal();
    const clock = createClock();
    const progress = createProgressReporter({ stream: terminal.stderr, now: clock.now, redrawMs: 0 });
    const log = progress.createLogStream(terminal.stdout);
    log.write('before any progress\n');
    progress.report({ phase: 'push default', done: 10, total: 100 });
    clock.advance(1000);
    log.write('INFO: calendar created\n');
    log.write('WARN: could not write object\n');
    progress.report({ phase: 'push default', done: 20, total: 100 });
    expect(terminal.lines).toEqual([
      'before any progress',
      'INFO: calendar created',
      'WARN: could not write object',
      'push default  [####................]  20/100  20%  20.0/s  ETA 4 s',
    ]);
    progress.finish();
    log.write('INFO: run finished\n');
    expect(terminal.lines.slice(-3)).toEqual(['push default  [####................]  20/100  20%  20.0/s  in 1 s', 'INFO: run finished', '']);
  });

  it('gives the poll, whose total is unknown, a rate and an ETA from the share covered', () => {
    const terminal = createFakeTerminal();
    const clock = createClock();
    const progress = createProgressReporter({ stream: terminal.stderr, now: clock.now, redrawMs: 0 });
    progress.report(labelProgress({ phase: 'sweep', done: 0, total: null, share: 0 }));
    clock.advance(10_000);
    progress.report(labelProgress({ phase: 'sweep', done: 1000, total: null, share: 0.25 }));
    expect(terminal.lines.at(-1)).toBe('onOffice: reading the horizon  1000  ~25%  100/s  ETA 30 s');
    // A new phase ends the previous one with its summary line.
    progress.report({ phase: 'push default', done: 0, total: 10 });
    expect(terminal.lines.at(-2)).toBe('onOffice: reading the horizon  1000  100/s  in 10 s');
  });
});

describe('createProgressReporter off a terminal', () => {
  it('writes a plain line at most once per interval and a summary per phase, without control characters', () => {
    const plain = createPlainStream();
    const clock = createClock();
    const progress = createProgressReporter({ stream: plain.stream, now: clock.now, intervalMs: 10_000 });
    for (let done = 0; done <= 300; done++) {
      progress.report({ phase: 'push default', done, total: 300 });
      clock.advance(100);
    }
    progress.report({ phase: 'onOffice: reading changes', done: 3, total: null });
    progress.finish();
    expect(plain.text()).toBe(
      [
        'push default  100/300  33%  10.0/s  ETA 20 s',
        'push default  200/300  66%  10.0/s  ETA 10 s',
        'push default  300/300  100%  10.0/s  in 30 s',
        'onOffice: reading changes  3  in 0 s',
        '',
      ].join('\n'),
    );
    expect(plain.text()).not.toMatch(/[\r\x1b]/);
  });

  it('hands the log through untouched and gives no log destination of its own', () => {
    const plain = createPlainStream();
    const progress = createProgressReporter({ stream: plain.stream });
    let logged = '';
    progress.createLogStream({ write: (text: string) => (logged += text) }).write('{"msg":"x"}\n');
    expect(logged).toBe('{"msg":"x"}\n');
    expect(createProgressLogDestination(progress, { stdout: plain.stream, stderr: plain.stream })).toBeUndefined();
    const terminal = createFakeTerminal();
    expect(createProgressLogDestination(progress, terminal)).toBeDefined();
  });
});

describe('createPushProgress', () => {
  it('counts an appointment done when its last object is settled, and at once when it needs no write', () => {
    const reports: number[] = [];
    const tracker = createPushProgress('push default', 5, (p) => reports.push(p.done));
    const action = (appointmentId: number) => ({ appointmentId }) as SyncPlan['actions'][number];
    // Appointments 1–3 of a chunk of 3; 2 has two objects (two calendars), 3 is unchanged.
    tracker.planned(3, { actions: [action(1), action(2), action(2)], unchanged: 1 });
    tracker.settled(action(2));
    tracker.settled(action(1));
    tracker.settled(action(2));
    tracker.planned(2, { actions: [action(5)], unchanged: 1 });
    tracker.settled(action(5));
    expect(reports).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps counting a chunk still being written while the next one is planned, and never passes the total', () => {
    const reports: number[] = [];
    const tracker = createPushProgress('push default', 4, (p) => reports.push(p.done));
    const action = (appointmentId: number) => ({ appointmentId }) as SyncPlan['actions'][number];
    tracker.planned(2, { actions: [action(1), action(2)], unchanged: 0 });
    tracker.settled(action(1));
    // The second chunk is planned while appointment 2 of the first is still in flight.
    tracker.planned(2, { actions: [action(3), action(4), action(4)], unchanged: 0 });
    tracker.settled(action(2));
    tracker.settled(action(3));
    tracker.settled(action(4));
    tracker.settled(action(4));
    expect(reports).toEqual([0, 1, 1, 2, 3, 4]);
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect([formatDuration(0), formatDuration(59.4), formatDuration(95), formatDuration(3729)]).toEqual(['0 s', '59 s', '1:35', '1:02:09']);
  });
});
