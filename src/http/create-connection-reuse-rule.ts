/**
 * Whether requests to an origin go out on kept-alive connections, learnt from what its connections do.
 *
 * SOGo answers a PUT without `Connection: close` and closes the connection some milliseconds after its
 * answer. A client that keeps the connection sends its next request on it before the close arrives, and
 * that request hangs up before any answer: in a backfill of 1,901 objects into SOGo, 1,888 of the
 * requests went out on such a connection first and were sent again on a new one (send-http-request.ts),
 * each costing a wasted write, an error and a second request. A connection that hangs up right after
 * its first answer, three times in a row with no kept-alive connection answering in between, tells that
 * the origin closes after every answer: its next requests ask for `Connection: close` themselves and go
 * out on a new connection at once. After PROBE_AFTER such requests the origin is tried with keep-alive
 * again (a server may have been restarted with other settings), and one more hang-up of that kind
 * switches back at once.
 *
 * A connection that served several answers and then hung up (a server's idle timeout) says nothing of
 * the kind and is not counted. Pure: no I/O, no clock; the transport reports what it saw.
 */

/** First-answer hang-ups in a row that make an origin one that closes after each answer. */
export const HANG_UPS_TO_CLOSE = 3;
/** Requests sent with `Connection: close` before keep-alive is tried again. */
export const PROBE_AFTER = 1000;

export interface ConnectionReuseRule {
  /** Whether the next request to `origin` may go out on a kept-alive connection; counts the request. */
  mayReuse(origin: string): boolean;
  /** A kept-alive connection to `origin` that had given `answers` answers hung up before the next one. */
  hungUp(origin: string, answers: number): void;
  /** A kept-alive connection to `origin` answered another request: the origin keeps its connections. */
  answeredOnReuse(origin: string): void;
}

interface OriginState {
  /** First-answer hang-ups since the last answer on a reused connection. */
  hangUps: number;
  /** Requests still to send with `Connection: close`. */
  closing: number;
}

export function createConnectionReuseRule(): ConnectionReuseRule {
  const origins = new Map<string, OriginState>();
  const stateOf = (origin: string): OriginState => {
    let state = origins.get(origin);
    if (!state) {
      state = { hangUps: 0, closing: 0 };
      origins.set(origin, state);
    }
    return state;
  };
  return {
    mayReuse(origin) {
      const state = origins.get(origin);
      if (!state || state.closing === 0) return true;
      state.closing -= 1;
      // Probing again: one more hang-up after a first answer closes it for another round.
      if (state.closing === 0) state.hangUps = HANG_UPS_TO_CLOSE - 1;
      return false;
    },
    hungUp(origin, answers) {
      if (answers !== 1) return;
      const state = stateOf(origin);
      state.hangUps += 1;
      if (state.hangUps >= HANG_UPS_TO_CLOSE && state.closing === 0) state.closing = PROBE_AFTER;
    },
    answeredOnReuse(origin) {
      const state = origins.get(origin);
      if (state) state.hangUps = 0;
    },
  };
}
