import { toDumpVmstate } from '../../codec/index.js';
import type { Field, MachineRegistry, MigrationContext, Subsection, Vmsd } from '../../describe/index.js';
import { fail } from '../../errors/index.js';
import { type SectionSpec, sectionEntry } from '../base/releases.js';
import {
  type DumpDescriptionJson,
  type DumpFieldJson,
  type DumpSectionJson,
  MACHINE_KEY,
  type VmstateDumpJson,
} from './dump-json.js';
import { fromDumpVmstate } from './from-dump.js';
import type { DescriptionSet } from './model.js';
import { byMachineAlone } from './static-eval.js';

export interface DumpOptions {
  /** The machine types the descriptions' predicates know (`defineMachines`). */
  readonly machines?: MachineRegistry;
  /**
   * The machine type to describe: recorded as `vmschkmachine` and used to decide `needed` and
   * `existsIf` where the machine type alone decides them. Default: the registry's newest type.
   */
  readonly machine?: string;
  /** Exactly QEMU's keys, none of ours (for QEMU's vmstate-static-checker.py). */
  readonly plain?: boolean;
}

function contextOf(options: DumpOptions): MigrationContext | undefined {
  const machine = options.machine ?? options.machines?.names[0];
  if (machine === undefined) return undefined;
  return options.machines ? options.machines.context(machine) : { machine, props: {} };
}

function fieldExtras(f: Field, version: number, ctx: MigrationContext | undefined): Partial<DumpFieldJson> {
  const t = f.type;
  const element = t.kind === 'pointer' ? t.target : t;
  const out: Partial<DumpFieldJson> = { type: element.typeName };
  if (f.count.kind === 'var') out.varray = true;
  if (element.kind === 'vbuffer') out.vbuffer = true;
  if (f.unused) out.unused = true;
  if (t.kind === 'pointer') out.pointer = true;
  if (element.kind === 'struct' && element.structVersion !== undefined)
    out.load_version = element.structVersion;
  const existsIf = f.existsIf;
  if (existsIf && ctx) {
    const known = byMachineAlone((s) => existsIf(s, ctx, version));
    if (known !== undefined) out.exists_under_machine = known;
  }
  return out;
}

function neededExtras(
  d: Vmsd | Subsection,
  ctx: MigrationContext | undefined,
  machines: MachineRegistry | undefined,
): Pick<DumpDescriptionJson, 'needed' | 'needed_under_machine' | 'needed_by_machine'> {
  const needed = d.needed;
  if (!needed) return { needed: 'always' };
  const decide = (c: MigrationContext) => byMachineAlone((s) => needed.call(d, s, c));
  const known = ctx ? decide(ctx) : undefined;
  const byMachine = machines
    ? Object.fromEntries(machines.names.map((m) => [m, decide(machines.context(m)) ?? null]))
    : undefined;
  return {
    needed: 'predicate',
    ...(known === undefined ? {} : { needed_under_machine: known }),
    ...(byMachine === undefined ? {} : { needed_by_machine: byMachine }),
  };
}

/** Adds our keys to `toDumpVmstate`'s output, walking the description alongside it. */
function extend(
  d: Vmsd,
  out: DumpDescriptionJson,
  ctx: MigrationContext | undefined,
  machines: MachineRegistry | undefined,
  loadVersion: number,
): DumpDescriptionJson {
  const fields = d.fields.filter((f) => !f.validator);
  const result: DumpDescriptionJson = { ...out };
  if (out.Fields) {
    result.Fields = out.Fields.map((entry, i) => {
      const f = fields[i] as Field;
      const extended: DumpFieldJson = { ...entry, ...fieldExtras(f, loadVersion, ctx) };
      const element = f.type.kind === 'pointer' ? f.type.target : f.type;
      if (entry.Description && element.kind === 'struct') {
        const nested = element.vmsd;
        extended.Description = extend(
          nested,
          entry.Description,
          ctx,
          machines,
          element.structVersion ?? nested.version,
        );
      }
      return extended;
    });
  }
  if (out.Subsections) {
    result.Subsections = out.Subsections.map((entry, i) => {
      const sub = d.subsections[i] as Subsection;
      return {
        ...extend(sub, entry, ctx, machines, sub.version),
        ...neededExtras(sub, ctx, machines),
        ...(sub.dependsOn.length > 0 ? { depends_on: [...sub.dependsOn] } : {}),
      };
    });
  }
  return result;
}

/**
 * Our descriptions in QEMU's `-dump-vmstate` JSON shape (spec §14), one entry per section keyed
 * by its section key, plus `vmschkmachine`. Unless `plain`, it adds what QEMU's dump cannot say:
 * field types, variable counts, padding, each subsection's `needed` kind, its `dependsOn`, and
 * whether it is needed under the machine type when that alone decides it (see dump-json.ts).
 */
export function dumpDescriptions(
  sections: readonly SectionSpec[],
  options: DumpOptions = {},
): VmstateDumpJson {
  const ctx = contextOf(options);
  const out: VmstateDumpJson = {};
  if (ctx) {
    out[MACHINE_KEY] = {
      Name: ctx.machine,
      ...(options.plain || Object.keys(ctx.props).length === 0 ? {} : { props: { ...ctx.props } }),
    };
  }
  for (const spec of sections) {
    const { key, idstr, instanceId, vmsd } = sectionEntry(spec);
    if (key in out) fail('invalid-description', `section "${key}" is listed twice`, { path: [key] });
    const qemu = toDumpVmstate(vmsd) as DumpDescriptionJson;
    const entry: DumpSectionJson = {
      Name: key,
      version_id: vmsd.version,
      minimum_version_id: vmsd.minimumVersion,
      Description: options.plain ? qemu : extend(vmsd, qemu, ctx, options.machines, vmsd.version),
    };
    out[key] = options.plain
      ? entry
      : { ...entry, idstr, instance_id: instanceId, ...neededExtras(vmsd, ctx, options.machines) };
  }
  return out;
}

/** Our descriptions in the checker's model (through the dump shape, so both inputs agree). */
export function fromDescriptions(
  sections: readonly SectionSpec[],
  label: string,
  options: Omit<DumpOptions, 'plain'> = {},
): DescriptionSet {
  return fromDumpVmstate(dumpDescriptions(sections, options), label, 'module');
}
