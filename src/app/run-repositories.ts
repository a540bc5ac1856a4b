import type { AppointmentSource } from '../domain/appointment-source.js';
import { createCaldavQuarantineRepository, type CaldavQuarantineRepository } from '../store/caldav-quarantine-repository.js';
import { createCaldavStateRepository, type CaldavStateRepository } from '../store/caldav-state-repository.js';
import { createTwoWayRepository, type TwoWayRepository } from '../store/two-way-repository.js';
import { createAppointmentSource } from './create-appointment-source.js';
import type { StateStore } from '../store/open-state-store.js';

/** What a sync run reads and writes the state through, besides the store's own repositories. */
export interface RunRepositories {
  readonly caldav: CaldavStateRepository;
  readonly quarantine: CaldavQuarantineRepository;
  /** Made on first use: only a configuration with a way back (imports, a two-way target) needs it. */
  readonly twoWay: TwoWayRepository;
  readonly source: AppointmentSource;
}

/** What the repositories are made from: a sync runtime, the key they are kept under. */
export interface RepositoryOwner {
  readonly store: StateStore;
  readonly now: () => Date;
  readonly config: { readonly timezone: string };
}

const built = new WeakMap<RepositoryOwner, RunRepositories>();

/**
 * The run's repositories, prepared once per runtime and kept for its later runs. They hold nothing but
 * prepared statements. Made anew for every run, as before, the daemon on a 1-second schedule prepared
 * about 70 statements a second. Each one's sqlite3_stmt lives in native memory until V8 collects its
 * small wrapper, and V8 cannot see that memory. The soak bench's RSS rose with that garbage.
 */
export function runRepositoriesOf(runtime: RepositoryOwner): RunRepositories {
  let repositories = built.get(runtime);
  if (!repositories) {
    const { store, now } = runtime;
    let twoWay: TwoWayRepository | undefined;
    repositories = {
      caldav: createCaldavStateRepository(store.db, now),
      quarantine: createCaldavQuarantineRepository(store.db, now),
      get twoWay() {
        return (twoWay ??= createTwoWayRepository(store.db, now));
      },
      source: createAppointmentSource(store, runtime.config.timezone),
    };
    built.set(runtime, repositories);
  }
  return repositories;
}
