import { defineVersions, type ReleasedVersion, type VersionSet } from '../compat/index.js';
import { defineMachines, fail } from '../index.js';
import { fdcSection, MIGRATE_PHASE, type Policy } from './description.js';
import { RUNTIMES, type Runtime } from './runtime.js';

/**
 * The releases of the floppy model as version sets of the compatibility lab. `pc-2.3` is the
 * machine type of the first release; `pc-2.4` came with the second, whose compat property
 * `fdc.migrate-phase` is off on `pc-2.3` (QEMU's hw_compat_2_3 style).
 */
export const machines = defineMachines({
  defaults: { [MIGRATE_PHASE]: true },
  types: [{ name: 'pc-2.4' }, { name: 'pc-2.3', compat: { [MIGRATE_PHASE]: false } }],
});

export const OLD_MACHINE = 'pc-2.3';
export const NEW_MACHINE = 'pc-2.4';

export interface Release {
  readonly name: Policy;
  /** How the release behaves at run time (see runtime.ts). */
  readonly runtime: Runtime;
  readonly machines: readonly string[];
  readonly section: ReturnType<typeof fdcSection>;
  readonly summary: string;
}

function release(name: Policy, summary: string): Release {
  return Object.freeze({
    name,
    runtime: name === 'v1' ? RUNTIMES.v1 : RUNTIMES.v2,
    machines: name === 'v1' ? [OLD_MACHINE] : [NEW_MACHINE, OLD_MACHINE],
    section: fdcSection(name),
    summary,
  });
}

export const RELEASES: Readonly<Record<Policy, Release>> = Object.freeze({
  v1: release('v1', 'first release: no phase in the stream, inferred from the MSR on load'),
  v2a: release('v2a', '(a) fdc/phase sent only when it differs from the inference (prevalence)'),
  v2b: release('v2b', '(b) fdc/phase always sent on pc-2.4; pc-2.3 keeps the v1 layout'),
  v2c: release('v2c', '(c) fdc/phase always sent on pc-2.4, by prevalence on pc-2.3'),
});

function setOf(names: readonly Policy[]): VersionSet {
  return defineVersions({
    machines,
    versions: names.map((n) => {
      const r = RELEASES[n];
      return { name: r.name, sections: [r.section], machines: r.machines };
    }),
  });
}

/** All four releases: the lab's matrix over every pair. */
export const versions = setOf(['v1', 'v2a', 'v2b', 'v2c']);

/** The three ways to ship the second release, each next to the first. */
export const POLICY_SETS: Readonly<Record<'a' | 'b' | 'c', VersionSet>> = Object.freeze({
  a: setOf(['v1', 'v2a']),
  b: setOf(['v1', 'v2b']),
  c: setOf(['v1', 'v2c']),
});

export function releaseOf(version: ReleasedVersion | string): Release {
  const name = typeof version === 'string' ? version : version.name;
  const r = RELEASES[name as Policy];
  if (!r)
    return fail('invalid-value', `unknown release "${name}"`, { details: { known: Object.keys(RELEASES) } });
  return r;
}
