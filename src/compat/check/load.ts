import { basename } from 'node:path';
import type { MachineRegistry } from '../../describe/index.js';
import { fail } from '../../errors/index.js';
import { importUserModule, ModuleLoadError } from '../base/load-module.js';
import type { SectionSpec, VersionSet } from '../base/releases.js';
import { type CheckOptions, type CheckReport, checkCompatibility } from './check.js';
import type { VmstateDumpJson } from './dump-json.js';
import { dumpSetFromText, isJsonInput, readDumpText } from './dump-text.js';
import type { DescriptionSet } from './model.js';

/**
 * Inputs by file name: `*.json` is `-dump-vmstate` JSON (QEMU's or `vmstate dump`'s); anything
 * else is a module (see docs/check.md): `export const sections = [vmsd, { idstr, instanceId, vmsd }, …]`
 * with an optional `export const machines = defineMachines(…)`, or a lab version set
 * (`export const versions = defineVersions(…)`) named as `file.ts#release`.
 * Every problem with an input is a `MigrationError` (`other` when unreadable, `invalid-description`
 * when it is not of the expected shape).
 */

export interface InputOptions {
  /** For modules: the machine type predicates are decided under (default: the newest known). */
  readonly machine?: string;
}

interface ModuleSections {
  readonly sections: readonly SectionSpec[];
  readonly machines?: MachineRegistry;
  readonly machine?: string;
}

function isSectionSpec(v: unknown): v is SectionSpec {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { kind?: unknown; vmsd?: { kind?: unknown } };
  return o.kind === 'vmsd' || o.vmsd?.kind === 'vmsd';
}

function isRegistry(v: unknown): v is MachineRegistry {
  const o = v as MachineRegistry | undefined;
  return typeof o === 'object' && o !== null && Array.isArray(o.names) && typeof o.context === 'function';
}

function isVersionSet(v: unknown): v is VersionSet {
  const o = v as VersionSet | undefined;
  return typeof o === 'object' && o !== null && Array.isArray(o.versions) && isRegistry(o.machines);
}

/** Splits `file.ts#release`. */
function splitInput(input: string): { file: string; release: string | undefined } {
  const m = /^(.*\.[cm]?[jt]sx?)#(.+)$/.exec(input);
  return m ? { file: m[1] as string, release: m[2] as string } : { file: input, release: undefined };
}

/** Loads a module's sections (and machine registry); `file.ts#release` picks a lab release. */
export async function loadModuleSections(input: string): Promise<ModuleSections> {
  const { file, release } = splitInput(input);
  if (isJsonInput(file)) {
    return fail('invalid-description', `${file} is -dump-vmstate JSON, not a module exporting \`sections\``, {
      details: { file },
    });
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(file);
  } catch (e) {
    if (!(e instanceof ModuleLoadError)) throw e;
    return fail('other', e.message, { details: { file } });
  }
  if (release !== undefined) {
    const set = mod.versions;
    if (!isVersionSet(set)) {
      return fail(
        'invalid-description',
        `${file} does not export \`versions\` (defineVersions), needed for #${release}`,
      );
    }
    const picked = set.version(release);
    return {
      sections: picked.sections,
      machines: set.machines,
      ...(picked.machines[0] === undefined ? {} : { machine: picked.machines[0] }),
    };
  }
  const sections = mod.sections;
  if (!Array.isArray(sections) || !sections.every(isSectionSpec)) {
    const hint = isVersionSet(mod.versions)
      ? ` (it exports \`versions\`: name a release as ${file}#<release>, one of ${(
          mod.versions as VersionSet
        ).versions
          .map((v) => v.name)
          .join(', ')})`
      : '';
    return fail(
      'invalid-description',
      `${file} does not export \`sections\`: an array of descriptions or { idstr, instanceId, vmsd }${hint}`,
    );
  }
  const machines = mod.machines;
  if (machines !== undefined && !isRegistry(machines)) {
    return fail('invalid-description', `${file} exports \`machines\` that is not a defineMachines registry`);
  }
  return { sections, ...(machines === undefined ? {} : { machines }) };
}

/** Modules need the codec (to dump their descriptions): loaded only for them, so two dumps load neither. */
function fromModule(): Promise<typeof import('./from-module.js')> {
  return import('./from-module.js');
}

/** One input, in the checker's model. */
export async function loadDescriptionSet(input: string, options: InputOptions = {}): Promise<DescriptionSet> {
  if (isJsonInput(input)) {
    return dumpSetFromText(readDumpText(input), input, basename(input));
  }
  const mod = await loadModuleSections(input);
  const machine = options.machine ?? mod.machine;
  const { fromDescriptions } = await fromModule();
  return fromDescriptions(mod.sections, basename(input), {
    ...(mod.machines === undefined ? {} : { machines: mod.machines }),
    ...(machine === undefined ? {} : { machine }),
  });
}

/** `vmstate dump`: a module's descriptions in the `-dump-vmstate` JSON shape. */
export async function dumpModule(
  input: string,
  options: InputOptions & { readonly plain?: boolean } = {},
): Promise<VmstateDumpJson> {
  const mod = await loadModuleSections(input);
  const machine = options.machine ?? mod.machine;
  const { dumpDescriptions } = await fromModule();
  return dumpDescriptions(mod.sections, {
    ...(mod.machines === undefined ? {} : { machines: mod.machines }),
    ...(machine === undefined ? {} : { machine }),
    ...(options.plain === undefined ? {} : { plain: options.plain }),
  });
}

/** `vmstate check`: loads both inputs and checks them. */
export async function checkInputs(
  source: string,
  destination: string,
  options: CheckOptions & InputOptions = {},
): Promise<CheckReport> {
  const [src, dst] = await Promise.all([
    loadDescriptionSet(source, options),
    loadDescriptionSet(destination, options),
  ]);
  return checkCompatibility(src, dst, options);
}
