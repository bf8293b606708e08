// A node's callbacks must never take the node down: an exception in one timer tick or one
// message is logged (with its stack) and the node keeps running.

import type { Logger } from './logger.js';
import { errorTextWithStack } from '../error_text.js';

/** Wraps `fn` so that what it throws is logged as `<what> threw: ...` instead of propagating. */
export function guarded<A extends unknown[]>(logger: Pick<Logger, 'error'>, what: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      logger.error(`${what} threw: ${errorTextWithStack(err)}`);
    }
  };
}
