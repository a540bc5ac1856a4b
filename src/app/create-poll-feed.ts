import type { ChangeFeed } from '../push/plan-push-chunks.js';

/** The feed a push that follows its run's poll waits on: told of each stored batch and of the poll's end. */
export interface PollFeed extends ChangeFeed {
  /** A batch was committed: wakes the push waiting for more. */
  stored(): void;
  /** The poll is over (done or failed): nothing more will be stored. */
  end(): void;
}

export function createPollFeed(): PollFeed {
  let ended = false;
  let waiting: Array<() => void> = [];
  const wake = (): void => {
    const woken = waiting;
    waiting = [];
    for (const resolve of woken) resolve();
  };
  return {
    get ended() {
      return ended;
    },
    changed: () => (ended ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
    stored: wake,
    end() {
      ended = true;
      wake();
    },
  };
}
