import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * A full garbage collection, now. For a thread that has just let go of a lot (a projector's
 * write-behind documents after a catch-up commit): V8 would otherwise keep growing its heap
 * with the garbage of the next batches, and the process's RSS with it. Node gives gc() only to
 * a process started with --expose-gc; without it the flag is set here once and the function
 * taken from a fresh context, which is where V8 installs it.
 */
export function collectGarbage(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collect = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
}
