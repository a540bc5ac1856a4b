/** The configuration cannot be used: `key` names the option, the message says how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`configuration: ${key} ${problem}`);
  }
}
