import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers (Radicale, Xandikos, DAViCal, the emulator) bind free loopback ports; files may run in
    // parallel, but two cores are all CI has, so keep the worker count modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
