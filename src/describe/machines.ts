import { fail } from '../errors/index.js';
import type { MigrationContext, PropValue } from './context.js';

export interface MachineTypeSpec {
  readonly name: string;
  /**
   * Property overrides that make this machine type behave like the release it is named after
   * (QEMU's hw_compat_X_Y). They apply to this type and to every older one.
   */
  readonly compat?: Readonly<Record<string, PropValue>>;
}

export interface MachineRegistry {
  /** Newest first, as declared. */
  readonly names: readonly string[];
  /** The default properties: the behaviour of the newest machine type. */
  readonly defaults: Readonly<Record<string, PropValue>>;
  /** The resolved properties of one machine type. */
  props(machine: string): Readonly<Record<string, PropValue>>;
  /** The context predicates see when migrating under this machine type. */
  context(machine: string): MigrationContext;
  has(machine: string): boolean;
}

/**
 * Machine types as QEMU builds them: list them newest first; each type takes the defaults, then
 * the compat overrides of every newer type, then its own, so the oldest value wins.
 *
 * ```ts
 * const machines = defineMachines({
 *   defaults: { 'fdc.migrate-phase': true },
 *   types: [{ name: 'pc-2.4' }, { name: 'pc-2.3', compat: { 'fdc.migrate-phase': false } }],
 * });
 * machines.context('pc-2.3').props['fdc.migrate-phase'] // false
 * ```
 */
export function defineMachines(spec: {
  defaults?: Readonly<Record<string, PropValue>>;
  types: readonly MachineTypeSpec[];
}): MachineRegistry {
  const defaults = Object.freeze({ ...(spec.defaults ?? {}) });
  const resolved = new Map<string, MigrationContext>();
  let acc: Record<string, PropValue> = { ...defaults };
  for (const type of spec.types) {
    if (resolved.has(type.name)) fail('invalid-description', `machine type "${type.name}" is declared twice`);
    acc = { ...acc, ...(type.compat ?? {}) };
    resolved.set(type.name, Object.freeze({ machine: type.name, props: Object.freeze({ ...acc }) }));
  }
  const names = Object.freeze(spec.types.map((t) => t.name));
  const context = (machine: string): MigrationContext => {
    const found = resolved.get(machine);
    if (!found) {
      return fail('invalid-description', `unknown machine type "${machine}" (known: ${names.join(', ')})`, {
        details: { machine, known: names },
      });
    }
    return found;
  };
  return Object.freeze({
    names,
    defaults,
    props: (machine: string) => context(machine).props,
    context,
    has: (machine: string) => resolved.has(machine),
  });
}
