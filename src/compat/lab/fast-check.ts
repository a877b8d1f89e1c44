/**
 * fast-check, an optional peer dependency: only the property-testing half of the lab (`vmstate/lab`)
 * needs it, so the checker (`vmstate/compat`) and the codec install without it. Loaded once, here,
 * so that a missing package is reported as such, with the command that installs it.
 */
import type { Arbitrary as FcArbitrary } from 'fast-check';
import { importPeer } from '../base/load-module.js';

export const fc = (
  await importPeer('fast-check', 'property testing (vmstate/lab)', () => import('fast-check'))
).default;

/** The types used beside the value, as `fc.Arbitrary<T>`, the way fast-check's own import reads. */
export declare namespace fc {
  export type Arbitrary<T> = FcArbitrary<T>;
}
