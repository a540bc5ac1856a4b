import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../src/cli/create-progress-reporter.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const stream = { isTTY, text: '', write(chunk: string) { stream.text += chunk; return true; } };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

describe('createProgressReporter', () => {
  it('draws a bar in place on a terminal', () => {
    const stream = fakeStream(true);
    const progress = createProgressReporter(stream);
    progress.report({ phase: 'push default', done: 250, total: 1000 });
    progress.report({ phase: 'push default', done: 1000, total: 1000 });
    progress.finish();
    expect(stream.text).toContain('\rpush default [########......................] 25% 250/1000');
    expect(stream.text).toContain('100% 1000/1000');
    expect(stream.text.endsWith('\n')).toBe(true);
  });

  it('writes plain lines, at most one per interval, elsewhere', () => {
    const stream = fakeStream(false);
    const progress = createProgressReporter(stream, 60_000);
    progress.report({ phase: 'sweep', done: 500, total: null });
    progress.report({ phase: 'sweep', done: 1000, total: null });
    progress.finish();
    expect(stream.text).toBe('sweep: 500\n');
  });
});
