import { EXIT_CODES } from './exit-code-for.js';

/**
 * The environment variables onoffice-sync reads (src/config/read-config.ts reads them; the help test
 * checks that the two lists agree).
 */
export const ENVIRONMENT_VARIABLES: ReadonlyArray<readonly [string, string]> = [
  ['ONOFFICE_TOKEN', 'onOffice API token (32 characters)'],
  ['ONOFFICE_SECRET', 'onOffice API secret (64 characters)'],
  ['ONOFFICE_API_URL', 'onOffice API endpoint (default: the stable API; the emulator prints its own)'],
  ['CALDAV_URL', 'CalDAV server of the target "default"'],
  ['CALDAV_USERNAME', 'CalDAV user name'],
  ['CALDAV_PASSWORD', 'CalDAV password (an app password)'],
  ['CALDAV_BEARER_TOKEN', 'OAuth 2 bearer token instead of a password (Google)'],
  ['ONOFFICE_SYNC_ADMIN_TOKEN', 'token that opens the status page to other hosts (default: loopback only)'],
  ['ONOFFICE_TOKEN_FILE, ONOFFICE_SECRET_FILE, CALDAV_PASSWORD_FILE, CALDAV_BEARER_TOKEN_FILE, ONOFFICE_SYNC_ADMIN_TOKEN_FILE', 'read that secret from a file'],
  ['CREDENTIALS_DIRECTORY', 'systemd credentials onoffice-token, onoffice-secret, caldav-password, caldav-bearer-token, onoffice-sync-admin-token'],
  ['STATE_DB', 'the state database file'],
  ['ONOFFICE_SYNC_TIMEZONE', 'zone of onOffice\'s wall times (default Europe/Berlin)'],
  ['ONOFFICE_SYNC_PORT', 'port of the daemon\'s health, metrics and feed server'],
  ['LOG_LEVEL', 'fatal, error, warn, info (default), debug, trace or silent'],
  ['ONOFFICE_SYNC_DEBUG', 'set to 1 for stack traces with error messages'],
];

/** What `onoffice-sync --help` shows below the commands: an example, the environment and the exit codes. */
export function renderTopLevelHelp(): string {
  const width = Math.max(...ENVIRONMENT_VARIABLES.filter(([name]) => !name.includes(',')).map(([name]) => name.length));
  const environment = ENVIRONMENT_VARIABLES.flatMap(([name, meaning]) =>
    name.includes(',') ? [`  ${name}`, `  ${''.padEnd(width)}  ${meaning}`] : [`  ${name.padEnd(width)}  ${meaning}`],
  );
  return [
    '',
    'Example:',
    '  export ONOFFICE_TOKEN=… ONOFFICE_SECRET=… CALDAV_URL=https://cloud.example.com/remote.php/dav CALDAV_USERNAME=anna CALDAV_PASSWORD=…',
    '  onoffice-sync doctor && onoffice-sync sync',
    '  onoffice-sync demo            # try it without onOffice',
    '',
    'Environment (it overrides the --config file; secrets are never logged):',
    ...environment,
    '',
    'Exit codes (the same for every command):',
    ...EXIT_CODES.map(([code, meaning]) => `  ${code}  ${meaning}`),
    '',
    'Each command has its own --help with an example, e.g. onoffice-sync feed add --help.',
  ].join('\n');
}
