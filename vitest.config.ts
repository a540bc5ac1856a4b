import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards, not speed limits: the suite must pass on one core shared with two busy loops, where a
    // test takes several times its idle time. Speed targets live in bench/.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Real servers (Radicale, Xandikos, DAViCal, the emulator) bind free loopback ports; files may run in
    // parallel, but two cores are all CI has, so keep the worker count modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
