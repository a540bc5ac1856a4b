/**
 * The import rules of src/ (test/architecture/import-graph.test.ts runs them): no cycle between files
 * or between folders, and the pure core (domain, ical, the planners and renderers of both directions)
 * imports no adapter and no I/O module. Adapters implement the ports the core declares, never the
 * other way round.
 */
const CORE = '^src/(domain|ical)/|^src/(push|back)/(plan|render)-';
const ADAPTERS = '^src/(caldav|onoffice|store|feed|daemon|cli|emulator|app)/';

module.exports = {
  forbidden: [
    {
      name: 'no-file-cycle',
      comment: 'A cycle between files: one of them holds what both need, or a port is missing.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'A cycle between folders: the data path no longer reads from the tree.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-no-adapter',
      comment: 'The pure core declares ports; adapters (and the app wiring) import them, never the other way round.',
      severity: 'error',
      from: { path: CORE },
      to: { path: ADAPTERS },
    },
    {
      name: 'core-does-no-io',
      comment: 'The pure core does no I/O: no database, no HTTP, no files, no processes.',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^(better-sqlite3|tsdav|node-cron|pino|node:(fs|http|https|net|child_process)|fs|http|https|net|child_process)$|fs/promises' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
