// The server fixture lives in caldav-servers.mjs so that bench/ runs the same launchers without a build;
// tests keep importing it from here.
export * from './caldav-servers.mjs';
