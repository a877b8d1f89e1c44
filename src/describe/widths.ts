import type { AnyElementType } from './types.js';

/**
 * Bytes one element of `t` takes on the wire when that does not depend on the value or the
 * state (integers, bool, timer, double, fixed buffers); undefined for everything else.
 */
export function fixedWidth(t: AnyElementType): number | undefined {
  switch (t.kind) {
    case 'int':
      return t.width;
    case 'bool':
      return 1;
    case 'timer':
    case 'double':
      return 8;
    case 'buffer':
      return t.size;
    default:
      return undefined;
  }
}
