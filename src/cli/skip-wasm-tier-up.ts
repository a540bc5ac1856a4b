import { setFlagsFromString } from 'node:v8';

/**
 * Keeps WebAssembly at V8's baseline compiler (Liftoff) for the rest of the process. fetch (undici)
 * parses HTTP with llhttp compiled to WebAssembly; after a few responses V8 starts optimising its parser
 * with TurboFan on a background thread, and Node waits for that compilation to finish before the process
 * may exit: a no-change `sync` spent about 120 ms after its work was done waiting for it, and the
 * compilation's CPU time besides (README, "What a no-change sync waits for"). Only a service lives long
 * enough to gain from the optimised parser, so a command that fetches and exits sets this as it starts.
 *
 * A V8 flag changed at run time makes V8 refuse Node's built-in code cache for every built-in module
 * compiled afterwards (the cache is tied to the flags), so undici, the largest of them, is loaded first
 * (the Response global loads it, as fetch would on its first call); llhttp itself is compiled at the
 * first connection, after the flag is set.
 */
export function skipWasmTierUp(): void {
  void globalThis.Response;
  setFlagsFromString('--liftoff-only');
}
