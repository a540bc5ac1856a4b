/**
 * Progress on long work (backfill, reconciliation): a bar redrawn in place on a terminal, a plain line
 * every few seconds otherwise (journald, CI logs). Writes to stderr so stdout stays parseable.
 */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, intervalMs = 5_000) {
  const tty = stream.isTTY === true;
  let lastLine = 0;
  let drawn = false;
  return {
    report(progress: { phase: string; done: number; total: number | null }): void {
      const now = Date.now();
      if (tty) {
        const width = 30;
        const share = progress.total ? Math.min(1, progress.done / progress.total) : 0;
        const bar = progress.total ? `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${Math.round(share * 100)}%` : '';
        stream.write(`\r${progress.phase} ${bar} ${progress.done}${progress.total ? `/${progress.total}` : ''}   `);
        drawn = true;
        return;
      }
      if (now - lastLine < intervalMs) return;
      lastLine = now;
      stream.write(`${progress.phase}: ${progress.done}${progress.total ? ` of ${progress.total}` : ''}\n`);
    },
    finish(): void {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
