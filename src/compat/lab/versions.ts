import type { MachineRegistry, Vmsd } from '../../describe/index.js';
import { fail } from '../../errors/index.js';

/** One section a release saves: QEMU identifies it by `idstr` and `instanceId`, not by the vmsd name. */
export interface SectionEntry {
  readonly idstr: string;
  readonly instanceId: number;
  readonly vmsd: Vmsd;
  /** The section's member in a {@link VersionState}: `idstr`, or `idstr#instanceId` when it is not 0. */
  readonly key: string;
}

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

/** The whole state of one release: each section's state under its {@link SectionEntry.key}. */
export type VersionState = Record<string, Record<string, unknown>>;

/** How a release lists a section: the description alone (idstr = its name, instance 0) or in full. */
export type SectionSpec =
  | Vmsd
  | { readonly idstr?: string; readonly instanceId?: number; readonly vmsd: Vmsd };

export interface ReleasedVersionSpec {
  readonly name: string;
  readonly sections: readonly SectionSpec[];
  readonly machines: readonly string[];
}

function entryOf(spec: SectionSpec): SectionEntry {
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

/**
 * The released versions of a component, oldest first, each with the machine types it supports,
 * checked against one machine registry (see docs/lab.md).
 *
 * ```ts
 * const versions = defineVersions({
 *   machines,
 *   versions: [
 *     { name: '1.0', sections: [devV1], machines: ['m-1.0'] },
 *     { name: '2.0', sections: [devV2], machines: ['m-2.0', 'm-1.0'] },
 *   ],
 * });
 * ```
 */
export function defineVersions(spec: {
  machines: MachineRegistry;
  versions: readonly ReleasedVersionSpec[];
  /** See {@link VersionSet.switchesOff}. */
  switchesOff?: readonly string[];
}): VersionSet {
  const byName = new Map<string, ReleasedVersion>();
  const versions = spec.versions.map((v) => {
    if (byName.has(v.name)) fail('invalid-description', `version "${v.name}" is declared twice`);
    const sections = Object.freeze(v.sections.map(entryOf));
    const keys = new Set<string>();
    for (const s of sections) {
      if (keys.has(s.key)) {
        fail('invalid-description', `version "${v.name}" saves section "${s.key}" twice`, { path: [v.name] });
      }
      keys.add(s.key);
    }
    for (const m of v.machines) {
      if (!spec.machines.has(m)) {
        fail('invalid-description', `version "${v.name}" names unknown machine type "${m}"`, {
          path: [v.name],
          details: { machine: m, known: spec.machines.names },
        });
      }
    }
    const release: ReleasedVersion = Object.freeze({
      name: v.name,
      sections,
      machines: Object.freeze([...v.machines]),
    });
    byName.set(v.name, release);
    return release;
  });
  for (const p of spec.switchesOff ?? []) {
    if (!(p in spec.machines.defaults)) {
      fail('invalid-description', `switchesOff names "${p}", which is not a machine-type property`, {
        details: { property: p, known: Object.keys(spec.machines.defaults) },
      });
    }
  }
  return Object.freeze({
    machines: spec.machines,
    versions: Object.freeze(versions),
    switchesOff: Object.freeze([...(spec.switchesOff ?? [])]),
    version(name: string): ReleasedVersion {
      const found = byName.get(name);
      if (!found) {
        return fail('invalid-description', `unknown version "${name}"`, {
          details: { version: name, known: [...byName.keys()] },
        });
      }
      return found;
    },
  });
}

/** Machine types both versions support, newest first as the registry lists them. */
export function sharedMachines(set: VersionSet, ...versions: readonly ReleasedVersion[]): string[] {
  return set.machines.names.filter((m) => versions.every((v) => v.machines.includes(m)));
}
