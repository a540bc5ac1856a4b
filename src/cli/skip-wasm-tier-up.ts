import { setFlagsFromString } from 'node:v8';

/**
 * Keeps WebAssembly at V8's baseline compiler (Liftoff) for the rest of the process. fetch (undici)
 * parses HTTP with llhttp compiled to WebAssembly; after a few responses V8 starts optimising its parser
 * with TurboFan on a background thread, and Node waits for that compilation to finish before the process
 * may exit: a no-change `sync` spent about 120 ms after its work was done waiting for it (README, "What a
 * no-change sync waits for"). Only a service lives long enough to gain from the optimised parser, so a
 * command that runs once sets this before its first request (undici compiles llhttp then, not sooner).
 */
export function skipWasmTierUp(): void {
  setFlagsFromString('--liftoff-only');
}
