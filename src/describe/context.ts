/** A machine-type property value, as QEMU's compat properties set them. */
export type PropValue = boolean | number | string;

/**
 * What a predicate (`needed`, `existsIf`, a count) may consult besides the state: the machine
 * type the migration runs under and the device properties that type implies. Both sides must
 * evaluate predicates alike, so everything a predicate reads must be here or in the state.
 */
export interface MigrationContext {
  readonly machine: string;
  readonly props: Readonly<Record<string, PropValue>>;
}

export const defaultContext: MigrationContext = Object.freeze({ machine: '', props: Object.freeze({}) });
