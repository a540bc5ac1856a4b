import type { CommandContext } from './command-context.js';

/** The shape of one `doctor` check: doctor-command runs them, create-setup-checks and the tests build them. */
export interface DoctorCheckResult {
  ok: boolean;
  detail: string;
  fix?: string;
  /** The error behind a failure; it decides the exit code (2 for setup/auth problems). */
  error?: unknown;
}

export interface DoctorCheck {
  name: string;
  run(): Promise<DoctorCheckResult>;
}

export interface DoctorOptions {
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** The checks to run once the configuration loaded, in order; default createOnOfficeChecks. */
  createChecks?: (context: CommandContext, options: DoctorOptions) => DoctorCheck[];
}
