// Types of caldav-servers.mjs, the one server fixture the tests and the benchmark share.

export interface RunningServer {
  /** What a user would configure: the server root. Discovery finds the calendar home from here. */
  url: string;
  /** The calendar home of the test user. */
  calendarHomeUrl: string;
  /** The server's Debian package and its version, as dpkg-query reports it. */
  version: string;
  username?: string;
  password?: string;
  stop(): Promise<void>;
}

export interface RunningAuthServer extends RunningServer {
  username: string;
  password: string;
}

export interface RestartableServer extends RunningAuthServer {
  /** SIGKILLs the server process; its storage stays. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and storage. */
  restart(): Promise<void>;
}

export function findFreePort(): Promise<number>;
export function packageVersion(name: string): string;
export function startRadicale(options?: { auth?: boolean }): Promise<RestartableServer>;
export function startRestartableRadicale(options?: { auth?: boolean }): Promise<RestartableServer>;
export function startXandikos(): Promise<RunningServer>;
export function startDavical(options?: { phpWorkers?: number }): Promise<RunningAuthServer>;
export function startCyrus(): Promise<RunningAuthServer>;
export function startSogo(options?: { workers?: number }): Promise<RunningAuthServer>;
export function startSabre(options: { auth: 'basic' | 'digest' }): Promise<RunningAuthServer>;
