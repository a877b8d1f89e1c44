import type { MachineRegistry } from '../../describe/index.js';
import { fail } from '../../errors/index.js';
import { type ReleasedVersion, type SectionSpec, sectionEntry, type VersionSet } from '../base/releases.js';

export type { ReleasedVersion, SectionEntry, SectionSpec, VersionSet } from '../base/releases.js';

/** The whole state of one release: each section's state under its {@link SectionEntry.key}. */
export type VersionState = Record<string, Record<string, unknown>>;

export interface ReleasedVersionSpec {
  readonly name: string;
  readonly sections: readonly SectionSpec[];
  readonly machines: readonly string[];
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
    const sections = Object.freeze(v.sections.map(sectionEntry));
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
