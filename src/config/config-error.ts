import type { ErrorKind } from '../domain/classify-error.js';

/** One thing wrong with the configuration: `key` names the option, `problem` says how to fix it. */
export interface ConfigProblem {
  readonly key: string;
  readonly problem: string;
}

/** The configuration cannot be used. It lists every problem found, so one edit can fix them all. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly kind: ErrorKind = 'setup';
  readonly problems: readonly ConfigProblem[];

  constructor(
    readonly key: string,
    readonly problem: string,
    more: readonly ConfigProblem[] = [],
  ) {
    const problems = [{ key, problem }, ...more];
    super(
      problems.length === 1
        ? `configuration: ${key} ${problem}`
        : `configuration has ${problems.length} problems:\n${problems.map((p) => `  ${p.key} ${p.problem}`).join('\n')}`,
    );
    this.problems = problems;
  }

  static fromProblems(problems: readonly ConfigProblem[]): ConfigError {
    const [first, ...more] = problems;
    return new ConfigError(first!.key, first!.problem, more);
  }
}
