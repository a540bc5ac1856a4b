import type { DestinationStream } from 'pino';
import { createPrettyFormatter } from '../log/create-logger.js';

/** One step of long work: objects done so far, of `total` when known. */
export interface Progress {
  readonly phase: string;
  readonly done: number;
  readonly total: number | null;
  /** Without a total: the share of the work covered (0–1), when the worker can tell; gives the ETA. */
  readonly share?: number | null;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressReporter {
  report(progress: Progress): void;
  /** Ends the current phase: its summary line stays. */
  finish(): void;
  /**
   * A stream for the log that shares the terminal: each log line clears the progress line first and
   * redraws it after, so the two never end up on one line.
   */
  createLogStream(target: { write(text: string): unknown }): { write(text: string): boolean };
}

export interface ProgressReporterOptions {
  readonly stream?: ProgressStream;
  readonly now?: () => number;
  /** Off a terminal: at most one plain line per phase this often (a summary line ends each phase). */
  readonly intervalMs?: number;
  /** On a terminal: redraws at most this often (the last step of a phase is always drawn). */
  readonly redrawMs?: number;
}

interface Phase {
  readonly name: string;
  readonly startedAt: number;
  last: Progress;
  lastAt: number;
  lastLineAt: number;
}

const CLEAR_LINE = '\r\x1b[2K';
const BAR_WIDTH = 20;

/**
 * Progress of long work (backfill, reconciliation, each target's push), per object with rate and ETA:
 * one line redrawn in place on a terminal, a plain line now and then and a summary per phase otherwise
 * (journald, CI logs). Writes to stderr so stdout stays parseable.
 */
export function createProgressReporter(options: ProgressReporterOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 10_000;
  const redrawMs = options.redrawMs ?? 100;
  const tty = stream.isTTY === true;
  let phase: Phase | null = null;
  let drawn = '';
  let lastDrawAt = Number.NEGATIVE_INFINITY;

  const describe = (current: Phase, at: number, final: boolean): string => {
    const { done, total, share } = current.last;
    const seconds = Math.max(0, (at - current.startedAt) / 1000);
    const rate = seconds > 0 ? done / seconds : null;
    const parts = [current.name];
    if (total !== null && total > 0) {
      const ratio = Math.min(1, done / total);
      if (tty) parts.push(`[${'#'.repeat(Math.round(ratio * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}]`);
      parts.push(`${done}/${total}`, `${Math.floor(ratio * 100)}%`);
    } else {
      parts.push(`${done}`);
      if (share != null && share > 0 && !final) parts.push(`~${Math.floor(Math.min(1, share) * 100)}%`);
    }
    if (rate !== null) parts.push(`${formatRate(rate)}/s`);
    if (final) parts.push(`in ${formatDuration(seconds)}`);
    else {
      const eta = planEta(current.last, seconds, rate);
      if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`);
    }
    return parts.join('  ');
  };

  const draw = (line: string): void => {
    // A terminal that reports no size (0, as a bare pty does) is taken as 80 wide.
    const width = Math.max(20, (stream.columns || 80) - 1);
    drawn = line.length > width ? `${line.slice(0, width - 1)}…` : line;
    stream.write(`${CLEAR_LINE}${drawn}`);
  };

  const endPhase = (): void => {
    if (!phase) return;
    const at = now();
    const summary = describe(phase, at, true);
    if (tty) {
      draw(summary);
      stream.write('\n');
      drawn = '';
    } else stream.write(`${summary}\n`);
    phase = null;
  };

  return {
    report(progress) {
      const at = now();
      if (phase && phase.name !== progress.phase) endPhase();
      if (!phase) {
        phase = { name: progress.phase, startedAt: at, last: progress, lastAt: at, lastLineAt: at };
      }
      phase.last = progress;
      phase.lastAt = at;
      const complete = progress.total !== null && progress.done >= progress.total;
      if (tty) {
        if (complete || at - lastDrawAt >= redrawMs) {
          lastDrawAt = at;
          draw(describe(phase, at, false));
        }
        return;
      }
      if (!complete && at - phase.lastLineAt >= intervalMs) {
        phase.lastLineAt = at;
        stream.write(`${describe(phase, at, false)}\n`);
      }
    },
    finish: endPhase,
    createLogStream(target) {
      return {
        write(text) {
          if (!tty || drawn === '') {
            target.write(text);
            return true;
          }
          stream.write(CLEAR_LINE);
          target.write(text);
          stream.write(drawn);
          return true;
        },
      };
    },
  };
}

/** Seconds left: by the rate against the total, else by the share covered so far. */
function planEta(progress: Progress, seconds: number, rate: number | null): number | null {
  if (progress.total !== null) {
    if (rate === null || rate <= 0) return null;
    return Math.max(0, (progress.total - progress.done) / rate);
  }
  const share = progress.share;
  if (share == null || share <= 0 || share >= 1 || seconds <= 0) return null;
  return (seconds * (1 - share)) / share;
}

function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

/** 42 s, 3:07, 1:02:09. */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * On a terminal (progress and log both on stderr there): the log's destination, pretty
 * as the terminal log is, written through the progress reporter so a log line never lands on the
 * progress line. Elsewhere undefined: the logger keeps its own destination.
 */
export function createProgressLogDestination(
  progress: ProgressReporter,
  streams: { stdout: ProgressStream; stderr: ProgressStream } = { stdout: process.stdout, stderr: process.stderr },
): DestinationStream | undefined {
  if (streams.stderr.isTTY !== true || streams.stdout.isTTY !== true) return undefined;
  const pretty = createPrettyFormatter();
  // The log is on stderr like the progress line (stdout carries only the command's own output).
  const through = progress.createLogStream(streams.stderr);
  return { write: (line: string) => void through.write(pretty(line)) };
}

const POLL_PHASES: Readonly<Record<string, string>> = {
  sweep: 'onOffice: reading the horizon',
  modified: 'onOffice: reading changes',
  recovery: 'onOffice: recovery sweep',
};

/** The poller's phase names as a person reads them; a push's ("push NAME") stays as it is. */
export function labelProgress<P extends Progress>(progress: P): P {
  const label = POLL_PHASES[progress.phase];
  return label === undefined ? progress : { ...progress, phase: label };
}
