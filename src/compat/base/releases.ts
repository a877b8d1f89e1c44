import type { MachineRegistry, Vmsd } from '../../describe/index.js';

/**
 * What a release of a component lists: its sections and, for a set of releases, the machine types
 * each runs. Shared by the checker (which reads a module's sections or one release of a set) and
 * the lab (which defines and runs the sets), so neither depends on the other for it.
 */

/** One section a release saves: QEMU identifies it by `idstr` and `instanceId`, not by the vmsd name. */
export interface SectionEntry {
  readonly idstr: string;
  readonly instanceId: number;
  readonly vmsd: Vmsd;
  /** The section's member in a `VersionState`: `idstr`, or `idstr#instanceId` when it is not 0. */
  readonly key: string;
}

/** How a release lists a section: the description alone (idstr = its name, instance 0) or in full. */
export type SectionSpec =
  | Vmsd
  | { readonly idstr?: string; readonly instanceId?: number; readonly vmsd: Vmsd };

/** One released version of a component: its sections and the machine types it can run. */
export interface ReleasedVersion {
  readonly name: string;
  /** In the order the release saves them. */
  readonly sections: readonly SectionEntry[];
  /** Names from the set's machine registry. QEMU style: every older type plus its own. */
  readonly machines: readonly string[];
}

/** Every released version (oldest first) and the machine types they share. */
export interface VersionSet {
  readonly machines: MachineRegistry;
  readonly versions: readonly ReleasedVersion[];
  /** The version of that name; a MigrationError (`invalid-description`) when there is none. */
  version(name: string): ReleasedVersion;
  /**
   * Machine-type properties that switch a *feature* off, not only its migration: under a machine
   * type that turns one off, the state of subsections whose `needed` depends on it cannot leave
   * its prevalent value, so the lab does not generate it elsewhere. Properties not listed (the
   * default) only stop sending: the lab generates every value behind them, as a running device
   * would reach them.
   */
  readonly switchesOff?: readonly string[];
}

/** A section as listed, in full: idstr defaults to the description's name, instance to 0. */
export function sectionEntry(spec: SectionSpec): SectionEntry {
  const full: { idstr?: string; instanceId?: number; vmsd: Vmsd } = 'kind' in spec ? { vmsd: spec } : spec;
  const idstr = full.idstr ?? full.vmsd.name;
  const instanceId = full.instanceId ?? 0;
  return Object.freeze({
    idstr,
    instanceId,
    vmsd: full.vmsd,
    key: instanceId === 0 ? idstr : `${idstr}#${instanceId}`,
  });
}
